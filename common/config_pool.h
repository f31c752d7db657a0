/*
 * The parse functions of the pool keys with structure of their own: the
 * pools object, a pool's backends, a backend object's address, the health
 * check and its expected statuses.  Named in common/config_keys.c; each
 * takes the value with the path at its key and the section's struct, as
 * struct config_key says.
 */
#ifndef WEIR_COMMON_CONFIG_POOL_H
#define WEIR_COMMON_CONFIG_POOL_H

#include <jansson.h>

struct config_ctx;
struct config_key;

/* "pools" in struct config: every pool, then the index of their names. */
void	config_pool_parse_pools(struct config_ctx *x, json_t *v,
	    const struct config_key *k, void *conf);

/*
 * "nodefile" in struct pool_conf: the path (made absolute against the
 * configuration file's folder) and the backends it names.
 */
void	config_pool_parse_nodefile(struct config_ctx *x, json_t *v,
	    const struct config_key *k, void *conf);

/* "backends" in struct pool_conf; then each duplicate address. */
void	config_pool_parse_backends(struct config_ctx *x, json_t *v,
	    const struct config_key *k, void *conf);

/* "address" in struct backend_conf. */
void	config_pool_parse_address(struct config_ctx *x, json_t *v,
	    const struct config_key *k, void *conf);

/* "health" in struct pool_conf, at k->offset: on, false, or an object. */
void	config_pool_init_health(struct config_ctx *x,
	    const struct config_key *k, void *conf);
void	config_pool_parse_health(struct config_ctx *x, json_t *v,
	    const struct config_key *k, void *conf);

/* "expect" in struct health_conf: default classes k->def. */
void	config_pool_init_expect(struct config_ctx *x,
	    const struct config_key *k, void *conf);
void	config_pool_parse_expect(struct config_ctx *x, json_t *v,
	    const struct config_key *k, void *conf);

#endif
