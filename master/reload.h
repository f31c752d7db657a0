/*
 * Reload (HUP): a new generation is built whole from the configuration
 * file, then replaces the current one, which drains; any failure leaves
 * the current one serving.
 */
#ifndef WEIR_MASTER_RELOAD_H
#define WEIR_MASTER_RELOAD_H

#include "master/state.h"

/*
 * HUP: loads the configuration again; on success its generation serves
 * and the old one drains, on failure the old one goes on untouched and
 * the errors are logged and recorded in the segment for weirctl.
 * Returns 0 or -1.
 */
int	reload_run(struct master *m);

#endif
