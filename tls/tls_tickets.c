/*
 * Session tickets that resume on any worker: their keys live in one
 * anonymous shared mapping that the master creates before forking and
 * alone rotates, under a seqlock the workers' ticket callback reads.  The
 * current key encrypts; the previous one still decrypts, so a ticket
 * lives between one and two rotation periods.
 */
#include "tls/tls_tickets.h"

#include <sys/mman.h>

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "tls/tls.h"
#include "tls/tls_local.h"

/*
 * Tickets stay decryptable for two periods: a client that got one just
 * before a rotation can still resume up to 24 h later (the TLS 1.3 limit,
 * RFC 8446 4.6.1, is 7 days; a shorter window limits what a stolen key
 * decrypts, since tickets hold the resumption secret).
 */
#define ROTATE_S	(12 * 60 * 60)

struct tls_key {
	unsigned char	name[16];	/* sent in clear in the ticket */
	unsigned char	aes[32];	/* AES-256-CBC */
	unsigned char	hmac[32];	/* HMAC-SHA256 */
};

/*
 * The shared ticket keys.  Only the master writes, under the seqlock: seq is
 * odd while it does, and a reader retries when seq changed under it.
 */
struct tls_keys {
	uint64_t	seq;
	time_t		created;	/* CLOCK_MONOTONIC seconds of cur */
	struct tls_key	cur;		/* encrypts and decrypts */
	struct tls_key	prev;		/* decrypts; the ticket is renewed */
};

static void
key_fill(struct tls_key *k)
{
	/* RAND_bytes only fails when the DRBG cannot be seeded. */
	if (RAND_bytes((unsigned char *)k, sizeof(*k)) != 1)
		abort();
}

static time_t
mono_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

struct tls_keys *
tls_tickets_create(FILE *errs)
{
	struct tls_keys	*k;

	/*
	 * Anonymous and shared: the children forked later see the master's
	 * rotations, and the keys never touch a file system.
	 */
	k = mmap(NULL, sizeof(*k), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (k == MAP_FAILED) {
		fprintf(errs, "tls: cannot map the session ticket keys: %s\n",
		    strerror(errno));
		return NULL;
	}
	/* Keep secrets out of core dumps. */
	(void)madvise(k, sizeof(*k), MADV_DONTDUMP);
	key_fill(&k->cur);
	/* A random prev, never handed out, so no ticket matches it. */
	key_fill(&k->prev);
	k->created = mono_s();
	return k;
}

void
tls_tickets_destroy(struct tls_keys *k)
{
	if (k == NULL)
		return;
	explicit_bzero(k, sizeof(*k));
	munmap(k, sizeof(*k));
}

/* A consistent copy of <k> into <out>; the caller wipes it. */
static void
keys_read(const struct tls_keys *k, struct tls_keys *out)
{
	uint64_t	seq;

	for (;;) {
		seq = __atomic_load_n(&k->seq, __ATOMIC_ACQUIRE);
		if (seq & 1)
			continue;
		memcpy(out, k, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&k->seq, __ATOMIC_RELAXED) == seq)
			return;
	}
}

static void
keys_rotate(struct tls_keys *k, time_t now)
{
	struct tls_key	next;
	uint64_t	seq;

	key_fill(&next);
	seq = k->seq;
	__atomic_store_n(&k->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	k->prev = k->cur;
	k->cur = next;
	k->created = now;
	__atomic_store_n(&k->seq, seq + 2, __ATOMIC_RELEASE);
	explicit_bzero(&next, sizeof(next));
}

/*
 * RFC 5077 4 layout, as OpenSSL builds it: key_name, IV, AES-256-CBC, then
 * HMAC-SHA256 over all of it.  Returns 1 (cur), 2 (prev: accept and issue
 * a new ticket), 0 (unknown key: full handshake) or -1 (error).
 */
int
tls_tickets_cb(SSL *ssl, unsigned char key_name[16],
    unsigned char *iv, EVP_CIPHER_CTX *cctx, EVP_MAC_CTX *hctx, int enc)
{
	const struct tls_ctx	*tc;
	const struct tls_key	*use;
	struct tls_keys		 k;
	OSSL_PARAM		 params[3];
	int			 rv;

	tc = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	if (tc == NULL || tc->svc->set->keys == NULL)
		return -1;
	keys_read(tc->svc->set->keys, &k);
	rv = 1;
	if (enc) {
		use = &k.cur;
		memcpy(key_name, use->name, sizeof(use->name));
		if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(
		    EVP_aes_256_cbc())) != 1) {
			rv = -1;
			goto out;
		}
	} else if (memcmp(key_name, k.cur.name, sizeof(k.cur.name)) == 0)
		use = &k.cur;
	else if (memcmp(key_name, k.prev.name, sizeof(k.prev.name)) == 0) {
		use = &k.prev;
		rv = 2;
	} else {
		rv = 0;
		goto out;
	}
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY,
	    (void *)use->hmac, sizeof(use->hmac));
	params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    "SHA256", 0);
	params[2] = OSSL_PARAM_construct_end();
	if (EVP_MAC_CTX_set_params(hctx, params) != 1 ||
	    (enc ? EVP_EncryptInit_ex(cctx, EVP_aes_256_cbc(), NULL,
	    use->aes, iv) : EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), NULL,
	    use->aes, iv)) != 1)
		rv = -1;
out:
	explicit_bzero(&k, sizeof(k));
	return rv;
}

/*
 * Master only, the single writer of the keys.  Returns the milliseconds
 * until the next rotation is due (the full period when there are no keys).
 */
unsigned
tls_set_rotate(struct tls_set *ts)
{
	time_t	now, age;

	if (ts == NULL || ts->keys == NULL)
		return ROTATE_S * 1000U;
	now = mono_s();
	age = now - ts->keys->created;
	if (age >= ROTATE_S) {
		keys_rotate(ts->keys, now);
		age = 0;
	}
	return (unsigned)(ROTATE_S - age) * 1000U;
}

/*
 * Master only: rotates the ticket keys now, whatever their age, as when a
 * key may have leaked.  Tickets under the key before the previous one stop
 * resuming.  Does nothing when <ts> has no keys.
 */
void
tls_set_rotate_now(struct tls_set *ts)
{
	if (ts != NULL && ts->keys != NULL)
		keys_rotate(ts->keys, mono_s());
}

/*
 * Master only, on a reload: the new set takes the old set's keys (and
 * their age), so tickets issued before the reload still resume after it.
 * The old set's area is left as it was for its draining workers.
 */
void
tls_set_adopt_keys(struct tls_set *to, const struct tls_set *from)
{
	struct tls_keys	copy;
	uint64_t	seq;

	if (to == NULL || from == NULL || to->keys == NULL ||
	    from->keys == NULL)
		return;
	keys_read(from->keys, &copy);
	seq = to->keys->seq;
	__atomic_store_n(&to->keys->seq, seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	to->keys->cur = copy.cur;
	to->keys->prev = copy.prev;
	to->keys->created = copy.created;
	__atomic_store_n(&to->keys->seq, seq + 2, __ATOMIC_RELEASE);
	explicit_bzero(&copy, sizeof(copy));
}
