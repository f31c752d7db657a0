/*
 * SET and DEFAULT as Perlbal 1.80 runs them: Service::set (role checks,
 * check_type, the special keys plugins, nodefile and balance_method, the
 * pools made on demand) and Pool::set (nodefile, balance_method).  Values
 * are checked as Perlbal checks them and stored normalized; a tunable
 * weir has no equivalent for earns a warning naming the line and the key.
 */
#ifndef WEIR_IMPORT_PERLBAL_SET_H
#define WEIR_IMPORT_PERLBAL_SET_H

#include <stdbool.h>

#include "import/perlbal_conf.h"

/*
 * SET <key> = <value> on service <s> at <at>.  <is_default>: the value
 * comes from a DEFAULT line as the role is set, which already had its
 * warning.  Errors and warnings go to c's messages.  May add a pool (a
 * pool made on demand), never a service.
 */
void	perlbal_set_service(struct perlbal_conf *c, struct perlbal_service *s,
	    const char *key, const char *value, const struct perlbal_where *at,
	    bool is_default);

/* SET <key> = <value> on pool <p> at <at>. */
void	perlbal_set_pool(struct perlbal_conf *c, struct perlbal_pool *p,
	    const char *key, const char *value,
	    const struct perlbal_where *at);

/*
 * DEFAULT <key> = <value> at <at>: kept for the services whose role is
 * set later; a tunable without an equivalent is warned about here, once.
 */
void	perlbal_set_default(struct perlbal_conf *c, const char *key,
	    const char *value, const struct perlbal_where *at);

/*
 * Parses "a.b.c.d" with an optional ":port" (default <def_port>; 0: the
 * port is required) into <ip> (16 bytes) and <*port>.  Returns 0, or -1
 * for anything else, a port outside 1..65535 included.
 */
int	perlbal_set_ipport(const char *s, unsigned def_port, char *ip,
	    unsigned *port);

#endif
