/*
 * The health-check process: probes every backend of every pool that has
 * "health" on, applies rise/fall and publishes state and the last check to
 * the shared segment, where workers and weirctl read them.
 */
#ifndef WEIR_HEALTH_HEALTH_H
#define WEIR_HEALTH_HEALTH_H

struct config;
struct shm;

/*
 * Runs the health checker in the calling (already forked, privilege-
 * dropped) process until SIGTERM/SIGINT/SIGQUIT; returns the exit status.
 * <cfg> and <shm> stay the caller's; <shm> must be mapped read-write and
 * laid out from <cfg>.  Returns 0 after a signal, 1 when it could not set
 * up or the loop failed (the cause is logged).
 */
int	health_main(const struct config *cfg, struct shm *shm);

#endif
