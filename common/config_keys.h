/*
 * Every configuration key, declared once: a table per section (the top
 * level, a pool, a backend object, a health check, a service, a route, a
 * service's tls object, a certificate) with each key's roles, type, bounds,
 * default and place in the section's struct.  The loader walks these
 * tables (common/config_walk.c); the tests check doc/weir.json.5 against
 * them.
 */
#ifndef WEIR_COMMON_CONFIG_KEYS_H
#define WEIR_COMMON_CONFIG_KEYS_H

#include "common/config_walk.h"

/* A section: its name, and its keys in the order messages list them. */
struct config_section {
	const char		*name;
	const struct config_key	*keys;
};

/* The top-level object's keys; the others are reached through .sub. */
extern const struct config_key		config_keys_top[];
/* A service of role management takes only these (common/config_service.c). */
extern const struct config_key		config_keys_console[];

/* Every section, ended by a NULL name. */
extern const struct config_section	config_sections[];

/* Spellings of enum balance, by value, NULL-terminated. */
extern const char *const		config_keys_balance_names[];

#endif
