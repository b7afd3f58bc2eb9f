# cli/: the irqhop front command.
bin_PROGRAMS += irqhop
irqhop_SOURCES = cli/irqhop.c cli/ih_cmd.h cli/ih_demo.c
irqhop_CFLAGS = $(AM_CFLAGS) $(LTTNG_CTL_CFLAGS) $(BABELTRACE2_CFLAGS) $(MHD_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS)
irqhop_LDADD = collector/libihrecord.la analyzer/libihanalyzer.la analyzer/libihlive.la web/libihweb.la \
	web/libihregress.la schemas/libihdb.la \
	$(LTTNG_CTL_LIBS) $(BABELTRACE2_LIBS) $(MHD_LIBS) $(SQLITE_LIBS) $(JANSSON_LIBS) -lpthread
