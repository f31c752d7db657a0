/*
 * The parse functions of the service keys with structure of their own:
 * the services object (with the checks across services: listen addresses
 * taken once, routes to web_server services), listen addresses, pool
 * references, routes, trusted proxies, a stats service's allowed peers,
 * Via, and the tls object with its
 * certificates.  Named in common/config_keys.c; each takes the value with
 * the path at its key and the section's struct, as struct config_key says.
 */
#ifndef WEIR_COMMON_CONFIG_SERVICE_H
#define WEIR_COMMON_CONFIG_SERVICE_H

#include <jansson.h>

struct config_ctx;
struct config_key;

/* "services" in struct config; pools must be parsed before. */
void	config_service_parse_services(struct config_ctx *x, json_t *v,
	    const struct config_key *k, void *conf);

/* "listen" in struct service_conf: an address or an array of them. */
void	config_service_parse_listen(struct config_ctx *x, json_t *v,
	    const struct config_key *k, void *conf);

/* A pool's name, resolved into the struct pool_conf * at k->offset. */
void	config_service_parse_pool(struct config_ctx *x, json_t *v,
	    const struct config_key *k, void *conf);

/* "routes" in struct service_conf, each walked with k->sub. */
void	config_service_parse_routes(struct config_ctx *x, json_t *v,
	    const struct config_key *k, void *conf);

/* A route's "host" in struct route_conf, lower-cased. */
void	config_service_parse_route_host(struct config_ctx *x, json_t *v,
	    const struct config_key *k, void *conf);

/* "trusted_proxies" in struct service_conf: CIDR blocks. */
void	config_service_parse_trusted(struct config_ctx *x, json_t *v,
	    const struct config_key *k, void *conf);

/*
 * "allow" in struct service_conf: a non-empty array of CIDR blocks;
 * default 127.0.0.0/8 and ::1.
 */
void	config_service_init_allow(struct config_ctx *x,
	    const struct config_key *k, void *conf);
void	config_service_parse_allow(struct config_ctx *x, json_t *v,
	    const struct config_key *k, void *conf);

/* "via" in struct service_conf: a token, or false; default k->def_str. */
void	config_service_init_via(struct config_ctx *x,
	    const struct config_key *k, void *conf);
void	config_service_parse_via(struct config_ctx *x, json_t *v,
	    const struct config_key *k, void *conf);

/* "tls" in struct service_conf: an object of k->sub's keys. */
void	config_service_parse_tls(struct config_ctx *x, json_t *v,
	    const struct config_key *k, void *conf);

/* "certificates" in struct tls_conf, each walked with k->sub. */
void	config_service_parse_certificates(struct config_ctx *x, json_t *v,
	    const struct config_key *k, void *conf);

#endif
