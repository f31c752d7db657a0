/*
 * Socket addresses as operators write them ("127.0.0.1:80", "[::1]:80",
 * "*:80") and CIDR blocks for trusted_proxies.  Parsing only: no I/O.
 */
#ifndef WEIR_COMMON_ADDR_H
#define WEIR_COMMON_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Longest text addr_format() writes: "[v6]:65535" plus NUL. */
#define ADDR_STRLEN	64

struct addr {
	struct sockaddr_storage	ss;
	socklen_t		len;
};

struct cidr {
	int		family;		/* AF_INET or AF_INET6 */
	uint8_t		bytes[16];	/* network, host bits zeroed */
	unsigned	prefix;		/* 0..32 or 0..128 */
};

/*
 * Parses <s> as "IPv4:port", "[IPv6]:port", "*:port" (IPv4 any) or
 * "localhost:port" (127.0.0.1) into <out>.  Port 1..65535.  Returns 0, or -1
 * with a static description of what was wrong in <*why>.
 */
int	addr_parse(const char *s, struct addr *out, const char **why);

/* Writes <a> as "1.2.3.4:80" or "[::1]:80" into <buf> (ADDR_STRLEN bytes). */
void	addr_format(const struct addr *a, char *buf, size_t len);

/* Same for a raw sockaddr (as returned by accept()). */
void	addr_format_sa(const struct sockaddr *sa, char *buf, size_t len);

/* Writes only the host part (no port, no brackets) of <sa>. */
void	addr_format_host(const struct sockaddr *sa, char *buf, size_t len);

/* True when both name the same family, host and port. */
bool	addr_equal(const struct addr *a, const struct addr *b);

/*
 * Orders <a> and <b> (negative, 0, positive) for sorting; 0 exactly when
 * addr_equal().
 */
int	addr_compare(const struct addr *a, const struct addr *b);

/*
 * Parses "10.0.0.0/8", "::1/128" or a bare address (full-length prefix).
 * Returns 0, or -1 with <*why> set.
 */
int	cidr_parse(const char *s, struct cidr *out, const char **why);

/* True when <sa> lies in <c>; an IPv4-mapped IPv6 peer matches IPv4 blocks. */
bool	cidr_match(const struct cidr *c, const struct sockaddr *sa);

/* True when <sa> lies in any of the <n> blocks of <list>. */
bool	cidr_list_match(const struct cidr *list, size_t n,
	    const struct sockaddr *sa);

#endif
