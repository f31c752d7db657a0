/*
 * worker/request_id.c: made ids are 16 hex digits and never repeat within
 * a worker (nor, in practice, across two seeds); an id from a trusted
 * proxy is passed on only when nothing in it could split a header or a
 * log field; a response gets exactly one X-Request-Id, the request's.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "worker/request_id.h"
#include "worker/resp.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define NIDS		50000

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

START_TEST(made_ids_are_hex_and_unique)
{
	static uint64_t		ids[2 * NIDS];
	struct request_ids	g[2];
	char			id[REQUEST_ID_MAX + 1];
	size_t			i, k, nbad = 0;

	request_id_init(&g[0]);
	request_id_init(&g[1]);
	for (k = 0; k < 2; k++)
		for (i = 0; i < NIDS; i++) {
			request_id_make(&g[k], id);
			nbad += strlen(id) != 16 ||
			    strspn(id, "0123456789abcdef") != 16;
			ids[k * NIDS + i] = strtoull(id, NULL, 16);
		}
	ck_assert_uint_eq(nbad, 0);
	qsort(ids, NELEM(ids), sizeof(ids[0]), cmp_u64);
	for (i = 1; i < NELEM(ids); i++)
		ck_assert_msg(ids[i] != ids[i - 1], "%016llx twice",
		    (unsigned long long)ids[i]);
}
END_TEST

/* Consecutive ids share nothing visible: no counter to read off. */
START_TEST(made_ids_do_not_count_up)
{
	struct request_ids	g = { 0, 0 };
	char			a[REQUEST_ID_MAX + 1], b[REQUEST_ID_MAX + 1];
	int			same = 0, i;

	request_id_make(&g, a);
	request_id_make(&g, b);
	for (i = 0; i < 16; i++)
		same += a[i] == b[i];
	ck_assert_int_lt(same, 8);
}
END_TEST

static const struct vcase {
	const char	*id;
	bool		 is_valid;
} vcases[] = {
	{ "0123456789abcdef", true },
	{ "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", true },
	{ "lb-7f3a.2026:11/25+x=@1", true },
	{ "YWJjZA==", true },
	{ "a", true },
	{ "", false },
	{ "two words", false },
	{ "a\"b", false },
	{ "a\\b", false },
	{ "a,b", false },
	{ "a;b", false },
	{ "a\tb", false },
	{ "\xc3\xa9", false },
	{ "1234567890123456789012345678901234567890123456789012345678901234",
	  true },
	{ "12345678901234567890123456789012345678901234567890123456789012345",
	  false },
};

START_TEST(checks_ids_from_proxies)
{
	const struct vcase	*c = &vcases[_i];

	ck_assert_msg(request_id_is_valid(c->id, strlen(c->id)) == c->is_valid,
	    "\"%s\"", c->id);
}
END_TEST

START_TEST(a_response_gets_the_requests_id_once)
{
	static struct resp_head	h;
	const struct resp_field	*f;

	resp_init(&h, 200);
	resp_add(&h, "X-Request-Id", "from-backend", 12);
	resp_add(&h, "Content-Type", "text/plain", 10);
	resp_add(&h, "x-request-id", "again", 5);
	request_id_put(&h, "0123456789abcdef");
	ck_assert_uint_eq(h.nfields, 2);
	ck_assert_str_eq(h.fields[0].name, "Content-Type");
	f = resp_find(&h, "X-Request-Id");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(f->value_len, 16);
	ck_assert_int_eq(memcmp(f->value, "0123456789abcdef", 16), 0);
	/* Off: the head is left as it is. */
	request_id_put(&h, "");
	ck_assert_uint_eq(h.nfields, 2);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("request_id");
	TCase	*tc = tcase_create("ids");
	SRunner	*sr;
	int	 nfailed;

	tcase_add_test(tc, made_ids_are_hex_and_unique);
	tcase_add_test(tc, made_ids_do_not_count_up);
	tcase_add_loop_test(tc, checks_ids_from_proxies, 0, NELEM(vcases));
	tcase_add_test(tc, a_response_gets_the_requests_id_once);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfailed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfailed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
