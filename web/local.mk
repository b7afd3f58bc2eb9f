# web/: irqhop serve (libmicrohttpd), JSON API and dashboard pages.
noinst_LTLIBRARIES += web/libihweb.la
web_libihweb_la_SOURCES = web/ih_serve.c
web_libihweb_la_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS)
