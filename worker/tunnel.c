/*
 * Upgrade tunnels: two ends, one buffer per direction, a half-close passed
 * on once what came before it is out, an idle deadline, and the log line
 * at the end.  Each pump tries every read and write that may make progress
 * and stops when none does; readiness is remembered by the ends, so an
 * event on either socket costs one pump.
 *
 * Transitions (state, event -> state), the only ones tunnel_next() allows:
 *   JOINING  START -> OPEN     both ends are in
 *   OPEN     EOF   -> HALF     one side ended; the other was told (FIN)
 *   HALF     EOF   -> CLOSED   the other side ended too: a clean end
 *   JOINING, OPEN, HALF  CLOSE -> CLOSED   a failure, the idle deadline,
 *                                           a stop, or it never started
 */
#include "worker/tunnel.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "common/clock.h"
#include "common/config.h"
#include "common/log.h"
#include "common/shm.h"
#include "worker/context.h"

/* How long before the master's shutdown_timeout_ms a draining worker
   closes its last tunnels itself (so their log lines get written). */
#define STOP_MARGIN_MS	500

static const enum tunnel_state table[TUNNEL_STATE_COUNT][TUNNEL_EV_COUNT] = {
#define N TUNNEL_STATE_COUNT
	/*                  START        EOF            CLOSE */
	[TUNNEL_JOINING] = { TUNNEL_OPEN, N,             TUNNEL_CLOSED },
	[TUNNEL_OPEN] =    { N,           TUNNEL_HALF,   TUNNEL_CLOSED },
	[TUNNEL_HALF] =    { N,           TUNNEL_CLOSED, TUNNEL_CLOSED },
	[TUNNEL_CLOSED] =  { N,           N,             N },
#undef N
};

static const char *const state_names[TUNNEL_STATE_COUNT] = {
	[TUNNEL_JOINING] = "joining", [TUNNEL_OPEN] = "open",
	[TUNNEL_HALF] = "half", [TUNNEL_CLOSED] = "closed",
};

void	(*tunnel_trace)(enum tunnel_state, enum tunnel_event,
	    enum tunnel_state);

static void	release_dead(struct loop_task *task);
static void	pump(struct tunnel *t);
static void	on_timer(struct timer *tm);
static void	on_stop_timer(struct timer *tm);
static void	end_tunnel(struct tunnel *t, enum tunnel_event ev,
		    enum end_reason why, bool is_reset);

enum tunnel_state
tunnel_next(enum tunnel_state s, enum tunnel_event ev)
{
	if ((unsigned)s >= TUNNEL_STATE_COUNT ||
	    (unsigned)ev >= TUNNEL_EV_COUNT)
		return TUNNEL_STATE_COUNT;
	return table[s][ev];
}

const char *
tunnel_state_name(enum tunnel_state s)
{
	return (unsigned)s < TUNNEL_STATE_COUNT ? state_names[s] : "?";
}

/* Moves <t> on <ev>; false (logged) when the table does not allow it. */
static bool
transition(struct tunnel *t, enum tunnel_event ev)
{
	enum tunnel_state	to = tunnel_next(t->state, ev);

	if (tunnel_trace != NULL)
		tunnel_trace(t->state, ev, to);
	if (to == TUNNEL_STATE_COUNT) {
		log_error("tunnel (service %s): state %s cannot take event %d",
		    t->svc->name, tunnel_state_name(t->state), (int)ev);
		return false;
	}
	log_debug("tunnel (service %s): %s -> %s", t->svc->name,
	    tunnel_state_name(t->state), tunnel_state_name(to));
	t->state = to;
	return true;
}

/* ---- the slots ---- */

int
tunnel_pool_init(struct worker *w, size_t n)
{
	/* Untouched until used, like the session slots. */
	w->tunnels = calloc(n, sizeof(*w->tunnels));
	if (w->tunnels == NULL)
		return -1;
	w->ntunnels = n;
	w->ntunnels_used = 0;
	w->free_tunnels = NULL;
	w->live_tunnels = NULL;
	w->dead_tunnels = NULL;
	w->tunnel_release_task.run = release_dead;
	timer_init(&w->tunnel_stop_timer, on_stop_timer);
	return 0;
}

void
tunnel_pool_free(struct worker *w)
{
	free(w->tunnels);
	w->tunnels = NULL;
	w->ntunnels = w->ntunnels_used = 0;
}

static void
release_dead(struct loop_task *task)
{
	struct worker	*w = (struct worker *)((char *)task -
	    offsetof(struct worker, tunnel_release_task));
	struct tunnel	*t;

	while ((t = w->dead_tunnels) != NULL) {
		w->dead_tunnels = t->next;
		t->next = w->free_tunnels;
		w->free_tunnels = t;
	}
	worker_released(w);
}

static void
unlink_live(struct tunnel *t)
{
	struct worker	*w = t->w;

	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		w->live_tunnels = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	t->next = t->prev = NULL;
}

static void
end_init(struct tunnel *t, struct tunnel_end *e)
{
	e->t = t;
	e->s.fd = -1;
	loop_io_init(&e->io);
}

struct tunnel *
tunnel_new(struct worker *w, const struct service_conf *svc)
{
	struct tunnel	*t;

	if ((t = w->free_tunnels) != NULL)
		w->free_tunnels = t->next;
	else if (w->ntunnels_used < w->ntunnels)
		t = &w->tunnels[w->ntunnels_used++];
	else
		return NULL;
	memset(t, 0, sizeof(*t));
	t->w = w;
	t->svc = svc;
	t->state = TUNNEL_JOINING;
	end_init(t, &t->client);
	end_init(t, &t->backend);
	timer_init(&t->timer, on_timer);
	t->next = w->live_tunnels;
	if (w->live_tunnels != NULL)
		w->live_tunnels->prev = t;
	w->live_tunnels = t;
	return t;
}

/* ---- socket ends ---- */

static ssize_t
sock_end_read(struct tunnel_end *e, struct buf *b)
{
	if (!e->s.is_readable) {
		errno = EAGAIN;
		return -1;
	}
	return sock_read(&e->s, b);
}

static ssize_t
sock_end_write(struct tunnel_end *e, const char *p, size_t n)
{
	if (!e->s.is_writable) {
		errno = EAGAIN;
		return -1;
	}
	return sock_send(&e->s, p, n);
}

static int
sock_end_shut(struct tunnel_end *e)
{
	if (!e->s.is_writable) {
		errno = EAGAIN;
		return -1;
	}
	return sock_shut_write(&e->s);
}

static void
sock_end_close(struct tunnel_end *e, bool is_reset)
{
	struct worker	*w = e->t->w;

	loop_del(&w->loop, &e->io);
	sock_close(&e->s, is_reset);
	if (e->counts_conn)
		worker_conn_closed(w, e->t->svc->index);
}

static const struct tunnel_end_ops	sock_end_ops = {
	.read = sock_end_read,
	.write = sock_end_write,
	.shut = sock_end_shut,
	.close = sock_end_close,
};

static void
on_socket(struct loop_io *io, uint32_t events)
{
	struct tunnel_end	*e = (struct tunnel_end *)((char *)io -
	    offsetof(struct tunnel_end, io));

	sock_note(&e->s, events);
	tunnel_end_io(e);
}

/*
 * Makes <e> the socket end <s> (moved) with its bytes <in> from <pool>.
 * False when the loop would not take the descriptor (logged).
 */
static bool
take_socket(struct tunnel_end *e, struct sock *s, struct buf *in,
    struct bufpool *pool)
{
	struct worker	*w = e->t->w;

	e->ops = &sock_end_ops;
	e->s = *s;
	s->fd = -1;
	s->ssl = NULL;
	e->in = *in;
	memset(in, 0, sizeof(*in));
	e->in_pool = pool;
	/* Edge-triggered, as every socket of a worker: readiness is kept in
	   e->s, and what the last owner knew of it came along. */
	return loop_add(&w->loop, &e->io, e->s.fd, EPOLLIN | EPOLLOUT |
	    EPOLLRDHUP | EPOLLET, on_socket) == 0;
}

/* ---- giving it its ends ---- */

void
tunnel_take_backend(struct tunnel *t, struct sock *s, struct buf *in,
    struct bufpool *pool, uint32_t backend)
{
	t->backend_index = backend;
	t->holds_backend = true;
	shm_own_add(worker_held_backend(t->w, backend), 1);
	if (!take_socket(&t->backend, s, in, pool))
		t->end = END_BACKEND_RESET;
}

/* Both ends are in: the tunnel is counted and runs. */
static void
start(struct tunnel *t)
{
	struct worker		*w = t->w;
	struct shm_service	*ss = &w->shm->services[t->svc->index];

	if (t->end != END_NONE || !transition(t, TUNNEL_EV_START)) {
		end_tunnel(t, TUNNEL_EV_CLOSE, t->end != END_NONE ? t->end :
		    END_SHUTDOWN, true);
		return;
	}
	shm_own_add(worker_held_tunnels(w, t->svc->index), 1);
	shm_add(&ss->tunnels, 1);
	t->deadline_ms = clock_now_ms() + t->svc->tunnel_idle_timeout_ms;
	(void)loop_timer_arm(&w->loop, &t->timer, t->deadline_ms);
	log_debug("tunnel (service %s): client %s, backend %s", t->svc->name,
	    t->rec.peer, worker_backend(w, t->backend_index)->address);
	pump(t);
}

/* The request's log record, whose line the tunnel writes when it ends. */
static void
take_rec(struct tunnel *t, const struct access_record *rec)
{
	t->rec = *rec;
	t->rec.resp_bytes = 0;
	t->has_rec = true;
}

void
tunnel_start_socket(struct tunnel *t, struct sock *s, struct buf *in,
    struct buf *out, struct bufpool *pool, const struct access_record *rec)
{
	take_rec(t, rec);
	t->client.counts_conn = true;
	t->client.out = *out;
	memset(out, 0, sizeof(*out));
	if (!take_socket(&t->client, s, in, pool) && t->end == END_NONE)
		t->end = END_CLIENT_RESET;
	start(t);
}

struct tunnel_end *
tunnel_start_end(struct tunnel *t, const struct tunnel_end_ops *ops,
    void *ctx, const struct access_record *rec)
{
	take_rec(t, rec);
	t->client.ops = ops;
	t->client.ctx = ctx;
	start(t);
	return &t->client;
}

void
tunnel_discard(struct tunnel *t)
{
	end_tunnel(t, TUNNEL_EV_CLOSE, END_CLIENT_RESET, true);
}

/* ---- pumping ---- */

/* What <e> carries, for the segment's counters. */
static void
count_read(struct tunnel *t, struct tunnel_end *e, size_t n)
{
	struct shm	*shm = t->w->shm;

	e->bytes += n;
	if (e == &t->client) {
		if (e->ops == &sock_end_ops)
			shm_add(&shm->services[t->svc->index].bytes_in,
			    (uint64_t)n);
		shm_add(&shm->services[t->svc->index].tunnel_bytes_in,
		    (uint64_t)n);
	} else
		shm_add(&shm->backends[t->backend_index].bytes_in, (uint64_t)n);
}

static void
count_written(struct tunnel *t, struct tunnel_end *to, size_t n,
    bool is_payload)
{
	struct shm	*shm = t->w->shm;

	if (to == &t->client) {
		/* Another kind of end counts its connection's bytes itself. */
		if (to->ops == &sock_end_ops)
			shm_add(&shm->services[t->svc->index].bytes_out,
			    (uint64_t)n);
		if (is_payload) {
			shm_add(&shm->services[t->svc->index].tunnel_bytes_out,
			    (uint64_t)n);
			t->rec.resp_bytes += n;
		}
	} else
		shm_add(&shm->backends[t->backend_index].bytes_out,
		    (uint64_t)n);
}

/* Why the end <e> failed, for the log line. */
static enum end_reason
failed(const struct tunnel *t, const struct tunnel_end *e)
{
	return e == &t->client ? END_CLIENT_RESET : END_BACKEND_RESET;
}

/*
 * Moves what <from> sent on to <to>: what <to> is owed first (its out
 * buffer), then what was read from <from>, then reads more from <from>
 * while there is room.  1 when something moved, 0 when nothing could, -1
 * when the tunnel ended.
 */
static int
move(struct tunnel *t, struct tunnel_end *from, struct tunnel_end *to)
{
	struct buf	*b;
	ssize_t		 n;
	int		 moved = 0;

	for (;;) {
		b = to->out.data != NULL && !buf_empty(&to->out) ? &to->out :
		    from->in.data != NULL && !buf_empty(&from->in) ?
		    &from->in : NULL;
		if (b == NULL || to->is_shut)
			break;
		n = to->ops->write(to, buf_head(b), buf_len(b));
		if (n > 0) {
			buf_consume(b, (size_t)n);
			count_written(t, to, (size_t)n, b == &from->in);
			moved = 1;
			continue;
		}
		if (n == -1 && errno == EAGAIN)
			break;
		end_tunnel(t, TUNNEL_EV_CLOSE, failed(t, to), true);
		return -1;
	}
	bufpool_put_empty(&t->w->head_pool, &to->out);
	bufpool_put_empty(from->in_pool, &from->in);
	if (from->is_eof)
		return moved;
	if (from->in.data == NULL) {
		/* What is read now goes to the worker's body blocks. */
		from->in_pool = &t->w->body_pool;
		if (bufpool_get(from->in_pool, &from->in) == -1) {
			end_tunnel(t, TUNNEL_EV_CLOSE, END_SHUTDOWN, true);
			return -1;
		}
	}
	if (buf_room(&from->in) == 0)
		return moved;
	n = from->ops->read(from, &from->in);
	if (n > 0) {
		count_read(t, from, (size_t)n);
		return 1;
	}
	bufpool_put_empty(from->in_pool, &from->in);
	if (n == 0) {
		from->is_eof = true;
		return 1;
	}
	if (errno == EAGAIN)
		return moved;
	end_tunnel(t, TUNNEL_EV_CLOSE, failed(t, from), true);
	return -1;
}

/*
 * <from> has ended and all it sent reached <to>: <to> is told (FIN).
 * 1 when that happened, 0 when not now, -1 when the tunnel ended.
 */
static int
pass_end(struct tunnel *t, struct tunnel_end *from, struct tunnel_end *to)
{
	if (!from->is_eof || to->is_shut ||
	    (from->in.data != NULL && !buf_empty(&from->in)) ||
	    (to->out.data != NULL && !buf_empty(&to->out)))
		return 0;
	if (to->ops->shut(to) == -1) {
		if (errno == EAGAIN)
			return 0;
		end_tunnel(t, TUNNEL_EV_CLOSE, failed(t, to), true);
		return -1;
	}
	to->is_shut = true;
	if (!transition(t, TUNNEL_EV_EOF)) {
		end_tunnel(t, TUNNEL_EV_CLOSE, END_SHUTDOWN, true);
		return -1;
	}
	if (t->state == TUNNEL_CLOSED) {
		end_tunnel(t, TUNNEL_EV_EOF, END_DONE, false);
		return -1;
	}
	return 1;
}

/* Both ways, until nothing moves or the tunnel ends. */
static void
pump(struct tunnel *t)
{
	int	up, down, up_end, down_end;
	bool	has_moved = false;

	for (;;) {
		if ((up = move(t, &t->client, &t->backend)) == -1 ||
		    (down = move(t, &t->backend, &t->client)) == -1 ||
		    (up_end = pass_end(t, &t->client, &t->backend)) == -1 ||
		    (down_end = pass_end(t, &t->backend, &t->client)) == -1)
			return;
		if (up == 0 && down == 0 && up_end == 0 && down_end == 0)
			break;
		has_moved = true;
	}
	if (has_moved)
		t->deadline_ms = clock_now_ms() +
		    t->svc->tunnel_idle_timeout_ms;
}

void
tunnel_end_lost(struct tunnel_end *e)
{
	struct tunnel	*t = e->t;

	if (t->state == TUNNEL_OPEN || t->state == TUNNEL_HALF)
		end_tunnel(t, TUNNEL_EV_CLOSE, failed(t, e), true);
}

void
tunnel_end_io(struct tunnel_end *e)
{
	struct tunnel	*t = e->t;

	if (t->state == TUNNEL_OPEN || t->state == TUNNEL_HALF)
		pump(t);
}

/* ---- the end ---- */

static void
flush_log(struct loop_task *task)
{
	struct worker	*w = (struct worker *)((char *)task -
	    offsetof(struct worker, log_flush_task));

	accesslog_flush(&w->access);
}

static void
close_end(struct tunnel *t, struct tunnel_end *e, bool is_reset)
{
	struct worker	*w = t->w;

	if (e->ops != NULL)
		e->ops->close(e, is_reset);
	e->ops = NULL;
	bufpool_put(e->in_pool != NULL ? e->in_pool : &w->body_pool, &e->in);
	bufpool_put(&w->head_pool, &e->out);
}

/*
 * Ends <t> on <ev> (CLOSE, or the last EOF already taken): both ends
 * closed, cut (RST) when <is_reset>; counts given back; the log line
 * written when it had started; the slot released at the turn's end.
 */
static void
end_tunnel(struct tunnel *t, enum tunnel_event ev, enum end_reason why,
    bool is_reset)
{
	struct worker	*w = t->w;
	bool		 was_started = t->state != TUNNEL_JOINING;

	if (t->state == TUNNEL_CLOSED && ev == TUNNEL_EV_CLOSE)
		return;
	if (ev == TUNNEL_EV_CLOSE)
		(void)transition(t, TUNNEL_EV_CLOSE);
	t->state = TUNNEL_CLOSED;
	t->end = why;
	loop_timer_cancel(&w->loop, &t->timer);
	close_end(t, &t->client, is_reset);
	close_end(t, &t->backend, is_reset);
	if (t->holds_backend)
		shm_own_sub(worker_held_backend(w, t->backend_index), 1);
	if (was_started)
		shm_own_sub(worker_held_tunnels(w, t->svc->index), 1);
	if (t->has_rec) {
		t->rec.error = why == END_DONE ? NULL : end_reason_str(why);
		accesslog_add(&w->access, &t->rec, clock_us(), time(NULL));
		w->log_flush_task.run = flush_log;
		loop_at_end(&w->loop, &w->log_flush_task);
		log_debug("tunnel (service %s): client %s ended: %s, %llu "
		    "bytes up, %llu down", t->svc->name, t->rec.peer,
		    end_reason_str(why), (unsigned long long)t->client.bytes,
		    (unsigned long long)t->backend.bytes);
	}
	unlink_live(t);
	/* Released at the end of the turn: an event later in this batch
	   may still name one of its ends. */
	t->next = w->dead_tunnels;
	w->dead_tunnels = t;
	loop_at_end(&w->loop, &w->tunnel_release_task);
}

static void
on_timer(struct timer *tm)
{
	struct tunnel	*t = (struct tunnel *)((char *)tm -
	    offsetof(struct tunnel, timer));

	if (t->state != TUNNEL_OPEN && t->state != TUNNEL_HALF)
		return;
	if (t->deadline_ms > clock_now_ms()) {
		(void)loop_timer_arm(&t->w->loop, &t->timer, t->deadline_ms);
		return;
	}
	log_info("tunnel (service %s): client %s: idle for %u ms, closed",
	    t->svc->name, t->rec.peer, t->svc->tunnel_idle_timeout_ms);
	end_tunnel(t, TUNNEL_EV_CLOSE, END_IDLE_TIMEOUT, false);
}

/* ---- stopping ---- */

/*
 * Ends every started tunnel.  One still JOINING belongs to the front end
 * that is handing it its client: that one discards it if it must.
 */
static void
close_all(struct worker *w, enum end_reason why)
{
	struct tunnel	*t, *next;

	for (t = w->live_tunnels; t != NULL; t = next) {
		next = t->next;
		if (t->state != TUNNEL_JOINING)
			end_tunnel(t, TUNNEL_EV_CLOSE, why, false);
	}
}

static void
on_stop_timer(struct timer *tm)
{
	struct worker	*w = (struct worker *)((char *)tm -
	    offsetof(struct worker, tunnel_stop_timer));

	if (w->live_tunnels != NULL)
		log_info("graceful stop: closing the tunnels still open "
		    "before shutdown_timeout_ms (%u ms)",
		    w->cfg->shutdown_timeout_ms);
	close_all(w, END_SHUTDOWN);
}

void
tunnel_drain_all(struct worker *w)
{
	unsigned	 ms = w->cfg->shutdown_timeout_ms;
	size_t		 n = 0;
	struct tunnel	*t;

	for (t = w->live_tunnels; t != NULL; t = t->next)
		n++;
	if (n > 0)
		log_info("graceful stop: %zu tunnel(s) open, running until "
		    "they end or shutdown_timeout_ms", n);
	/* Armed even with none open: a request still in flight may yet
	   become one.  It keeps nothing alive: the loop stops once the
	   last connection is gone. */
	(void)loop_timer_arm_in(&w->loop, &w->tunnel_stop_timer,
	    ms > 2 * STOP_MARGIN_MS ? ms - STOP_MARGIN_MS : ms / 2);
}

void
tunnel_close_all(struct worker *w)
{
	close_all(w, END_SHUTDOWN);
}
