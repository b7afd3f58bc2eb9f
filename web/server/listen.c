/*
 * web/server/listen.c - where `irqhop serve` listens: the configuration
 * defaults, --listen ADDR:PORT parsing, and the listening socket, bound
 * here so that "address already in use" reaches the user as one line.
 */
#include "config.h"
#include "web/server/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- configuration ------------------------------------------------------ */

void ih_web_config_init(struct ih_web_config *cfg)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg->addr;

	memset(cfg, 0, sizeof(*cfg));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(8080);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cfg->addrlen = sizeof(*sin);
	/* Two polling threads: thread-per-connection measured about half
	 * the requests/s (docs/design.md). */
	cfg->threads = 2;
	cfg->max_connections = 256;
	/* One address holds at most a quarter of the connections, so clients
	 * that open many and send slowly (or nothing) leave room for others;
	 * 64 is what bench/web.sh's throughput run opens. */
	cfg->per_ip_connections = 64;
	/* A connection that sends nothing for 10 s is closed, whether it is
	 * still sending its headers or idle between requests. */
	cfg->timeout_s = 10;
	cfg->conn_memory = 32 * 1024;
}

int ih_web_parse_listen(const char *spec, struct ih_web_config *cfg, char *err, size_t errlen)
{
	char host[256];
	const char *colon, *port, *h;
	size_t hlen;
	unsigned long pnum = 0;
	struct addrinfo hints, *res = NULL;
	int rc;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':') {
			snprintf(err, errlen, "--listen %s: expected [IPV6]:PORT", spec);
			return -1;
		}
		h = spec + 1;
		hlen = (size_t)(close - h);
		port = close + 2;
	} else {
		colon = strrchr(spec, ':');
		if (!colon) {
			snprintf(err, errlen, "--listen %s: expected ADDR:PORT", spec);
			return -1;
		}
		if (memchr(spec, ':', (size_t)(colon - spec))) {
			snprintf(err, errlen, "--listen %s: write an IPv6 address as [ADDR]:PORT", spec);
			return -1;
		}
		h = spec;
		hlen = (size_t)(colon - spec);
		port = colon + 1;
	}
	if (hlen == 0 || hlen >= sizeof(host)) {
		snprintf(err, errlen, "--listen %s: missing or overlong address", spec);
		return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	/* Strict decimal port: strtoul would accept " +12" and "0x10". */
	if (!*port || strlen(port) > 5) {
		snprintf(err, errlen, "--listen %s: port must be a number from 0 to 65535", spec);
		return -1;
	}
	for (const char *p = port; *p; p++) {
		if (*p < '0' || *p > '9') {
			snprintf(err, errlen, "--listen %s: port must be a number from 0 to 65535", spec);
			return -1;
		}
		pnum = pnum * 10 + (unsigned long)(*p - '0');
	}
	if (pnum > 65535) {
		snprintf(err, errlen, "--listen %s: port must be a number from 0 to 65535", spec);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = spec[0] == '[' ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0 || !res) {
		snprintf(err, errlen, "--listen %s: bad address %s: %s", spec, host,
			 rc ? gai_strerror(rc) : "no address");
		if (res)
			freeaddrinfo(res);
		return -1;
	}
	memset(&cfg->addr, 0, sizeof(cfg->addr));
	memcpy(&cfg->addr, res->ai_addr, res->ai_addrlen);
	cfg->addrlen = res->ai_addrlen;
	if (res->ai_family == AF_INET6)
		((struct sockaddr_in6 *)&cfg->addr)->sin6_port = htons((uint16_t)pnum);
	else
		((struct sockaddr_in *)&cfg->addr)->sin_port = htons((uint16_t)pnum);
	freeaddrinfo(res);
	return 0;
}

/* Writes "ADDR:PORT" ("[ADDR]:PORT" for IPv6) of ADDR with PORT into buf.
 * An unprintable address prints as "?" (cannot otherwise fail). */
void ih_web_format_addr(const struct sockaddr_storage *addr, unsigned port,
			       char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (addr->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, port);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, port);
	}
}

unsigned ih_web_addr_port(const struct sockaddr_storage *addr)
{
	if (addr->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)addr)->sin6_port);
	return ntohs(((const struct sockaddr_in *)addr)->sin_port);
}

/* Creates, binds and listens on the configured address ourselves (rather
 * than through MHD_OPTION_SOCK_ADDR) so that "address already in use" and
 * friends reach the user as one precise line.  Returns the socket, or -1
 * with err set. */
int ih_web_listen_socket(const struct ih_web_config *cfg, char *err, size_t errlen)
{
	char where[INET6_ADDRSTRLEN + 16];
	int fd, one = 1, e;

	ih_web_format_addr(&cfg->addr, ih_web_addr_port(&cfg->addr), where, sizeof(where));
	fd = socket(cfg->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", where, strerror(errno));
		return -1;
	}
	/* SO_REUSEADDR lets a restarted server bind over TIME_WAIT sockets; on
	 * Linux it still refuses a port another socket listens on. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (cfg->addr.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&cfg->addr, cfg->addrlen) != 0 ||
	    listen(fd, 128) != 0) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "cannot listen on %s: %s", where, strerror(e));
		return -1;
	}
	/* MHD accepts from several threads: a blocking accept() would hang the
	 * threads that lose the race. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

