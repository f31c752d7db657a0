/*
 * A Perlbal configuration, as the statements left it, written as weir's:
 * pools with Perlbal's balance method and backend settings, a
 * reverse_proxy service for each listening reverse_proxy and selector
 * (whose VHOST and VPATH lines become routes, in the order that makes
 * weir's first match Perlbal's choice), web_server services, the SERVER
 * options weir has.  What does not convert is said once, with its line.
 */
#ifndef WEIR_IMPORT_PERLBAL_EMIT_H
#define WEIR_IMPORT_PERLBAL_EMIT_H

#include <jansson.h>

#include "import/perlbal_conf.h"

/*
 * The weir configuration for <c>, a new JSON object the caller owns; or
 * NULL when something cannot convert (reported to c's messages, counted
 * in c->nerrors).  Warnings do not stop it.
 */
json_t	*perlbal_emit(struct perlbal_conf *c);

#endif
