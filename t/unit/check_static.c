/*
 * worker/static.c: requests parsed by h1_parse_request() from literal text
 * against a docroot built in a temporary directory, with a file outside it
 * that symlinks point to.  Checks the head written, the body named by the
 * returned fd, and that no descriptor leaks.  The traversal table runs
 * twice: with openat2(2), and with it made to fail ENOSYS by seccomp so the
 * component-by-component fallback is held to the same answers.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include "common/buf.h"
#include "common/config.h"
#include "common/h1_parse.h"
#include "worker/h1_write.h"
#include "worker/static.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Thu, 02 Jan 2020 03:04:05 GMT */
#define MTIME		1577934245
#define LM		"Thu, 02 Jan 2020 03:04:05 GMT"
#define HELLO		"hello, world\n"

static char			 base[64];
static char			 docroot[96];
static char			*index_names[] = { "index.html" };
static struct service_conf	 svc;

static struct {
	int			 rv;
	struct static_reply	 r;
	char			 head[65536];	/* head and inline body */
	char			 body[65536];	/* what the fd names */
	size_t			 body_len;
} res;

static void
put_file(const char *rel, const char *text)
{
	char		path[256];
	struct timespec	ts[2] = { { MTIME, 0 }, { MTIME, 0 } };
	FILE		*f;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void
put_dir(const char *rel)
{
	char	path[256];

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

static void
put_link(const char *target, const char *rel)
{
	char	path[256];

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	ck_assert_int_eq(symlink(target, path), 0);
}

static void
setup(void)
{
	char	path[256];

	strcpy(base, "/tmp/weir-check-static-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
	snprintf(docroot, sizeof(docroot), "%s/root", base);
	put_dir("outside");
	put_file("outside/secret.txt", "secret\n");
	put_dir("root");
	put_file("root/hello.txt", HELLO);
	put_file("root/empty.txt", "");
	put_file("root/page.html", "<p>hi</p>\n");
	put_file("root/style.css", "p {}\n");
	put_file("root/img.png", "\x89PNG");
	put_file("root/SHOUT.CSS", "P {}\n");
	put_file("root/blob.zzqx", "?");
	put_file("root/README", "read me\n");
	put_dir("root/sub");
	put_file("root/sub/index.html", "index\n");
	put_file("root/sub/inner.txt", "inner\n");
	put_dir("root/my dir");
	put_dir("root/noindex");
	put_file("root/noindex/a.txt", "a\n");
	put_dir("root/list");
	put_file("root/list/<b>&\"x.txt", "x\n");
	put_file("root/list/a file.txt", "a\n");
	put_file("root/list/.hidden", "h\n");
	put_dir("root/list/zdir");
	put_link("../hello.txt", "root/list/lnk");
	snprintf(path, sizeof(path), "%s/list/fifo", docroot);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	snprintf(path, sizeof(path), "%s/fifo", docroot);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	put_link("../outside", "root/escape");
	snprintf(path, sizeof(path), "%s/outside/secret.txt", base);
	put_link(path, "root/abs");
	put_link("hello.txt", "root/inlink");

	memset(&svc, 0, sizeof(svc));
	svc.name = "web";
	svc.role = ROLE_WEB_SERVER;
	svc.docroot = docroot;
	svc.index_files = index_names;
	svc.nindex_files = 1;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
teardown(void)
{
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
count_fds(void)
{
	DIR	*d = opendir("/proc/self/fd");
	int	 n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/* Runs <raw> through the parser and static_reply() into <res>. */
static void
ask_cap(const char *raw, bool keep, const char *via, size_t cap)
{
	static struct resp_head	h;
	struct h1_msg	m;
	struct h1_write	how;
	struct buf	b;
	ssize_t		n;
	int		fds = count_fds();

	h1_msg_reset(&m);
	ck_assert_int_eq(h1_parse_request(&m, raw, strlen(raw), 65536),
	    H1_DONE);
	ck_assert_int_eq(buf_init(&b, cap), 0);
	memset(&res, 0, sizeof(res));
	res.rv = static_reply(&svc, &m, via, &h, &res.r);
	/* As the HTTP/1 front end writes it. */
	how.is_10 = m.version_minor == 0;
	how.is_keep = keep;
	how.is_dechunked = false;
	if (res.rv == 0)
		res.rv = h1_write_head(&b, &h, &how);
	ck_assert_uint_lt(buf_len(&b), sizeof(res.head));
	memcpy(res.head, buf_head(&b), buf_len(&b));
	res.head[buf_len(&b)] = '\0';
	buf_free(&b);
	/* The docroot kept open for the next request is not a leak. */
	static_flush_cache();
	if (res.r.fd == -1) {
		ck_assert_uint_eq(res.r.length, 0);
		ck_assert_int_eq(count_fds(), fds);
		return;
	}
	ck_assert_int_eq(count_fds(), fds + 1);
	ck_assert_uint_le(res.r.length, sizeof(res.body));
	n = pread(res.r.fd, res.body, res.r.length, res.r.offset);
	ck_assert_int_eq(n, (ssize_t)res.r.length);
	res.body_len = (size_t)n;
	res.body[n] = '\0';
	close(res.r.fd);
}

static void
ask(const char *raw)
{
	ask_cap(raw, true, "weir", 16384);
}

/* GET <target> with <extra> header lines ("Name: v\r\n"). */
static void
get(const char *method, const char *target, const char *extra)
{
	char	raw[2048];

	snprintf(raw, sizeof(raw), "%s %s HTTP/1.1\r\nHost: t\r\n%s\r\n",
	    method, target, extra);
	ask(raw);
}

/* The value of response field <name>, or NULL. */
static const char *
hdr(const char *name)
{
	static char	 val[4096];
	char		 pat[128];
	const char	*p, *end, *e;

	end = strstr(res.head, "\r\n\r\n");
	ck_assert_ptr_nonnull(end);
	snprintf(pat, sizeof(pat), "\r\n%s: ", name);
	if ((p = strstr(res.head, pat)) == NULL || p > end)
		return NULL;
	p += strlen(pat);
	e = strstr(p, "\r\n");
	memcpy(val, p, (size_t)(e - p));
	val[e - p] = '\0';
	return val;
}

static const char *
inline_body(void)
{
	return strstr(res.head, "\r\n\r\n") + 4;
}

static int
status_line(void)
{
	int	status = 0;

	ck_assert_int_eq(sscanf(res.head, "HTTP/1.1 %d ", &status), 1);
	ck_assert_int_eq(status, res.r.status);
	return status;
}

static void
want_etag_of(const char *rel, char *etag, size_t cap)
{
	char		path[256];
	struct stat	st;

	snprintf(path, sizeof(path), "%s/%s", docroot, rel);
	ck_assert_int_eq(stat(path, &st), 0);
	snprintf(etag, cap, "\"%llx-%llx\"",
	    (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
	    (unsigned long long)st.st_mtim.tv_nsec,
	    (unsigned long long)st.st_size);
}

START_TEST(serves_file_with_type_length_and_validators)
{
	char	etag[64];

	want_etag_of("hello.txt", etag, sizeof(etag));
	get("GET", "/hello.txt", "");
	ck_assert_int_eq(res.rv, 0);
	ck_assert_int_eq(status_line(), 200);
	ck_assert_str_eq(hdr("Content-Type"), "text/plain");
	ck_assert_str_eq(hdr("Content-Length"), "13");
	ck_assert_str_eq(hdr("ETag"), etag);
	ck_assert_str_eq(hdr("Last-Modified"), LM);
	ck_assert_str_eq(hdr("Accept-Ranges"), "bytes");
	ck_assert_str_eq(hdr("Server"), "weir");
	ck_assert_str_eq(hdr("Via"), "1.1 weir");
	ck_assert_uint_eq(strlen(hdr("Date")), 29);
	ck_assert_ptr_null(hdr("Connection"));
	ck_assert_str_eq(inline_body(), "");
	ck_assert_int_eq(res.r.offset, 0);
	ck_assert_uint_eq(res.r.length, 13);
	ck_assert_str_eq(res.body, HELLO);
}
END_TEST

START_TEST(head_gets_the_get_head_and_no_body)
{
	char	 gethead[4096];
	char	*d;

	get("GET", "/hello.txt", "");
	strcpy(gethead, res.head);
	get("HEAD", "/hello.txt", "");
	ck_assert_int_eq(status_line(), 200);
	ck_assert_int_eq(res.r.fd, -1);
	ck_assert_uint_eq(res.r.length, 0);
	/* The clock may tick between the two. */
	d = strstr(gethead, "Date: ");
	memcpy(d, hdr("Date"), 29);
	d = strstr(res.head, "Date: ");
	memcpy(d, hdr("Date"), 29);
	ck_assert_str_eq(res.head, gethead);
}
END_TEST

START_TEST(connection_fields_follow_keep_alive_and_version)
{
	ask_cap("GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n", false, NULL,
	    4096);
	ck_assert_str_eq(hdr("Connection"), "close");
	ck_assert_ptr_null(hdr("Via"));
	ask_cap("GET /hello.txt HTTP/1.0\r\n\r\n", true, "edge", 4096);
	ck_assert_str_eq(hdr("Connection"), "keep-alive");
	ck_assert_str_eq(hdr("Via"), "1.1 edge");
	ask_cap("GET /hello.txt HTTP/1.0\r\n\r\n", false, "edge", 4096);
	ck_assert_str_eq(hdr("Connection"), "close");
}
END_TEST

START_TEST(empty_file_has_no_body_to_send)
{
	get("GET", "/empty.txt", "");
	ck_assert_int_eq(status_line(), 200);
	ck_assert_str_eq(hdr("Content-Length"), "0");
	ck_assert_int_eq(res.r.fd, -1);
}
END_TEST

/* Conditional requests: what each one must answer. */
static const struct ccase {
	const char	*name;
	const char	*extra;		/* "%E" stands for the ETag */
	const char	*method;
	int		 status;
} ccases[] = {
	{ "inm_exact", "If-None-Match: %E\r\n", "GET", 304 },
	{ "inm_weak_form", "If-None-Match: W/%E\r\n", "GET", 304 },
	{ "inm_in_list", "If-None-Match: \"no\", W/\"x\" ,%E\r\n", "GET",
	    304 },
	{ "inm_across_lines", "If-None-Match: \"no\"\r\n"
	    "If-None-Match: %E\r\n", "GET", 304 },
	{ "inm_star", "If-None-Match: *\r\n", "GET", 304 },
	{ "inm_head", "If-None-Match: %E\r\n", "HEAD", 304 },
	{ "inm_other", "If-None-Match: \"nope\"\r\n", "GET", 200 },
	{ "inm_comma_inside_quotes", "If-None-Match: \"a,%E\"\r\n", "GET",
	    200 },
	{ "inm_malformed", "If-None-Match: nope, %E\r\n", "GET", 200 },
	{ "ims_equal", "If-Modified-Since: " LM "\r\n", "GET", 304 },
	{ "ims_later", "If-Modified-Since: Thu, 02 Jan 2020 03:04:06 GMT\r\n",
	    "GET", 304 },
	{ "ims_earlier",
	    "If-Modified-Since: Thu, 02 Jan 2020 03:04:04 GMT\r\n", "GET",
	    200 },
	{ "ims_rfc850",
	    "If-Modified-Since: Thursday, 02-Jan-20 03:04:05 GMT\r\n", "GET",
	    304 },
	{ "ims_asctime", "If-Modified-Since: Thu Jan  2 03:04:05 2020\r\n",
	    "GET", 304 },
	{ "ims_garbage", "If-Modified-Since: yesterday\r\n", "GET", 200 },
	{ "ims_no_such_day",
	    "If-Modified-Since: Mon, 31 Feb 2020 03:04:05 GMT\r\n", "GET",
	    200 },
	{ "inm_beats_ims", "If-None-Match: \"nope\"\r\n"
	    "If-Modified-Since: Thu, 02 Jan 2030 03:04:06 GMT\r\n", "GET",
	    200 },
};

START_TEST(answers_conditionals)
{
	const struct ccase	*c = &ccases[_i];
	char			 etag[64], extra[512], *p;

	want_etag_of("hello.txt", etag, sizeof(etag));
	snprintf(extra, sizeof(extra), "%s", c->extra);
	while ((p = strstr(extra, "%E")) != NULL) {
		memmove(p + strlen(etag), p + 2, strlen(p + 2) + 1);
		memcpy(p, etag, strlen(etag));
	}
	get(c->method, "/hello.txt", extra);
	ck_assert_msg(res.r.status == c->status, "%s: status %d, want %d",
	    c->name, res.r.status, c->status);
	status_line();
	if (c->status == 304) {
		ck_assert_msg(res.r.fd == -1, "%s", c->name);
		ck_assert_str_eq(hdr("ETag"), etag);
		ck_assert_str_eq(hdr("Last-Modified"), LM);
		ck_assert_ptr_null(hdr("Content-Length"));
		ck_assert_str_eq(inline_body(), "");
	}
}
END_TEST

static const struct rcase {
	const char	*name;
	const char	*range;
	int		 status;
	const char	*content_range;
	const char	*body;
} rcases[] = {
	{ "first_bytes", "bytes=0-4", 206, "bytes 0-4/13", "hello" },
	{ "from_offset", "bytes=7-", 206, "bytes 7-12/13", "world\n" },
	{ "suffix", "bytes=-6", 206, "bytes 7-12/13", "world\n" },
	{ "last_clamped", "bytes=5-100", 206, "bytes 5-12/13", ", world\n" },
	{ "suffix_longer_than_file", "bytes=-100", 206, "bytes 0-12/13",
	    HELLO },
	{ "last_byte", "bytes=12-12", 206, "bytes 12-12/13", "\n" },
	{ "unit_any_case", "BYTES=0-0", 206, "bytes 0-0/13", "h" },
	{ "huge_last", "bytes=0-99999999999999999999999", 206,
	    "bytes 0-12/13", HELLO },
	{ "starts_at_end", "bytes=13-", 416, "bytes */13", NULL },
	{ "starts_past_end", "bytes=99-100", 416, "bytes */13", NULL },
	{ "huge_first", "bytes=99999999999999999999999-", 416, "bytes */13",
	    NULL },
	{ "empty_suffix", "bytes=-0", 416, "bytes */13", NULL },
	{ "several_ranges", "bytes=0-1,3-4", 200, NULL, HELLO },
	{ "reversed", "bytes=5-2", 200, NULL, HELLO },
	{ "other_unit", "items=0-1", 200, NULL, HELLO },
	{ "no_spec", "bytes=", 200, NULL, HELLO },
	{ "not_digits", "bytes=a-b", 200, NULL, HELLO },
};

START_TEST(serves_ranges)
{
	const struct rcase	*c = &rcases[_i];
	char			 extra[256], len[32];

	snprintf(extra, sizeof(extra), "Range: %s\r\n", c->range);
	get("GET", "/hello.txt", extra);
	ck_assert_msg(res.r.status == c->status, "%s: status %d, want %d",
	    c->name, res.r.status, c->status);
	status_line();
	if (c->content_range == NULL)
		ck_assert_msg(hdr("Content-Range") == NULL, "%s", c->name);
	else
		ck_assert_msg(hdr("Content-Range") != NULL &&
		    strcmp(hdr("Content-Range"), c->content_range) == 0,
		    "%s: Content-Range %s", c->name, hdr("Content-Range"));
	if (c->body != NULL) {
		ck_assert_msg(strcmp(res.body, c->body) == 0, "%s: body %s",
		    c->name, res.body);
		snprintf(len, sizeof(len), "%zu", strlen(c->body));
		ck_assert_str_eq(hdr("Content-Length"), len);
	} else {
		ck_assert_int_eq(res.r.fd, -1);
		ck_assert_uint_eq(strlen(inline_body()),
		    strtoul(hdr("Content-Length"), NULL, 10));
	}
}
END_TEST

START_TEST(range_on_empty_file_is_unsatisfiable)
{
	get("GET", "/empty.txt", "Range: bytes=0-\r\n");
	ck_assert_int_eq(status_line(), 416);
	ck_assert_str_eq(hdr("Content-Range"), "bytes */0");
	get("GET", "/empty.txt", "Range: bytes=-5\r\n");
	ck_assert_int_eq(status_line(), 416);
}
END_TEST

START_TEST(range_is_for_get_only_and_once)
{
	get("HEAD", "/hello.txt", "Range: bytes=0-4\r\n");
	ck_assert_int_eq(status_line(), 200);
	ck_assert_str_eq(hdr("Content-Length"), "13");
	get("GET", "/hello.txt", "Range: bytes=0-4\r\nRange: bytes=0-4\r\n");
	ck_assert_int_eq(status_line(), 200);
}
END_TEST

START_TEST(if_range_decides_between_part_and_whole)
{
	char	etag[64], extra[256];

	want_etag_of("hello.txt", etag, sizeof(etag));
	snprintf(extra, sizeof(extra), "Range: bytes=0-4\r\nIf-Range: %s\r\n",
	    etag);
	get("GET", "/hello.txt", extra);
	ck_assert_int_eq(status_line(), 206);
	ck_assert_str_eq(res.body, "hello");
	get("GET", "/hello.txt", "Range: bytes=0-4\r\nIf-Range: \"old\"\r\n");
	ck_assert_int_eq(status_line(), 200);
	ck_assert_str_eq(res.body, HELLO);
	snprintf(extra, sizeof(extra),
	    "Range: bytes=0-4\r\nIf-Range: W/%s\r\n", etag);
	get("GET", "/hello.txt", extra);
	ck_assert_int_eq(status_line(), 200);
	get("GET", "/hello.txt", "Range: bytes=0-4\r\nIf-Range: " LM "\r\n");
	ck_assert_int_eq(status_line(), 206);
	get("GET", "/hello.txt", "Range: bytes=0-4\r\n"
	    "If-Range: Thu, 02 Jan 2020 03:04:06 GMT\r\n");
	ck_assert_int_eq(status_line(), 200);
}
END_TEST

static const struct dcase {
	const char	*name;
	const char	*method;
	const char	*target;
	const char	*location;
} dcases[] = {
	{ "plain", "GET", "/sub", "/sub/" },
	{ "keeps_query", "GET", "/sub?a=1&b", "/sub/?a=1&b" },
	{ "reencodes", "GET", "/my%20dir", "/my%20dir/" },
	{ "absolute_form", "GET", "http://t/sub?x", "/sub/?x" },
	{ "normalized_first", "GET", "/sub/./../sub", "/sub/" },
	{ "head", "HEAD", "/sub", "/sub/" },
};

START_TEST(redirects_directory_without_slash)
{
	const struct dcase	*c = &dcases[_i];

	get(c->method, c->target, "");
	ck_assert_msg(res.r.status == 301, "%s: %d", c->name, res.r.status);
	status_line();
	ck_assert_msg(strcmp(hdr("Location"), c->location) == 0,
	    "%s: Location %s", c->name, hdr("Location"));
	ck_assert_int_eq(res.r.fd, -1);
	if (strcmp(c->method, "HEAD") == 0)
		ck_assert_str_eq(inline_body(), "");
	else
		ck_assert_uint_eq(strlen(inline_body()),
		    strtoul(hdr("Content-Length"), NULL, 10));
}
END_TEST

START_TEST(serves_index_file)
{
	char	etag[64];

	want_etag_of("sub/index.html", etag, sizeof(etag));
	get("GET", "/sub/", "");
	ck_assert_int_eq(status_line(), 200);
	ck_assert_str_eq(hdr("Content-Type"), "text/html");
	ck_assert_str_eq(hdr("ETag"), etag);
	ck_assert_str_eq(res.body, "index\n");
}
END_TEST

START_TEST(refuses_directory_without_index_or_listing)
{
	get("GET", "/noindex/", "");
	ck_assert_int_eq(status_line(), 403);
	ck_assert_str_eq(hdr("Content-Type"), "text/plain");
	ck_assert_uint_eq(strlen(inline_body()),
	    strtoul(hdr("Content-Length"), NULL, 10));
	get("GET", "/", "");
	ck_assert_int_eq(status_line(), 403);
}
END_TEST

START_TEST(refuses_what_is_not_a_file)
{
	get("GET", "/fifo", "");
	ck_assert_int_eq(status_line(), 403);
}
END_TEST

START_TEST(lists_directory_sorted_and_escaped)
{
	const char	*a, *b, *c, *z;

	svc.dirindex = true;
	get("GET", "/list/", "");
	ck_assert_int_eq(status_line(), 200);
	ck_assert_str_eq(hdr("Content-Type"), "text/html; charset=utf-8");
	ck_assert_uint_eq(strtoul(hdr("Content-Length"), NULL, 10),
	    res.body_len);
	ck_assert_uint_eq(strlen(res.body), res.body_len);
	ck_assert_int_eq(res.r.offset, 0);
	ck_assert_ptr_nonnull(strstr(res.body, "<title>Index of /list/"));
	ck_assert_ptr_nonnull(strstr(res.body, "<a href=\"../\">../</a>"));
	a = strstr(res.body, "<a href=\"%3Cb%3E%26%22x.txt\">"
	    "&lt;b&gt;&amp;&quot;x.txt</a>");
	b = strstr(res.body, "<a href=\"a%20file.txt\">a file.txt</a>");
	z = strstr(res.body, "<a href=\"zdir/\">zdir/</a>");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(z);
	ck_assert(a < b && b < z);
	ck_assert_ptr_null(strstr(res.body, "hidden"));
	ck_assert_ptr_null(strstr(res.body, "fifo"));
	ck_assert_ptr_null(strstr(res.body, "lnk"));

	svc.follow_symlinks = true;
	get("GET", "/list/", "");
	c = strstr(res.body, "<a href=\"lnk\">lnk</a>");
	ck_assert_ptr_nonnull(c);
	ck_assert(strstr(res.body, "a file.txt") < c);
	ck_assert(c < strstr(res.body, "zdir"));

	get("HEAD", "/list/", "");
	ck_assert_int_eq(status_line(), 200);
	ck_assert_int_eq(res.r.fd, -1);
	ck_assert_uint_gt(strtoul(hdr("Content-Length"), NULL, 10), 0);
}
END_TEST

START_TEST(root_listing_has_no_parent_link)
{
	svc.dirindex = true;
	get("GET", "/", "");
	ck_assert_int_eq(status_line(), 200);
	ck_assert_ptr_null(strstr(res.body, "../"));
	ck_assert_ptr_nonnull(strstr(res.body, "<a href=\"sub/\">sub/</a>"));
	ck_assert_ptr_nonnull(strstr(res.body,
	    "<a href=\"my%20dir/\">my dir/</a>"));
}
END_TEST

/* Traversal and symlinks; <body> NULL when nothing may be served. */
static const struct tcase_ {
	const char	*name;
	const char	*target;
	int		 status;	/* follow_symlinks false */
	int		 status_follow;	/* follow_symlinks true */
	const char	*body;
} tcases[] = {
	{ "raw_dotdot", "/../hello.txt", 404, 404, NULL },
	{ "encoded_dotdot", "/%2e%2e/outside/secret.txt", 404, 404, NULL },
	{ "mixed_case_dotdot_dir", "/%2E%2e/", 404, 404, NULL },
	{ "climb_from_subdir", "/sub/%2e%2e/%2e%2e/outside/secret.txt", 404,
	    404, NULL },
	{ "dotdot_inside", "/sub/../hello.txt", 200, 200, HELLO },
	{ "encoded_dotdot_inside", "/sub/%2E%2e/hello.txt", 200, 200, HELLO },
	{ "double_slash", "/sub//inner.txt", 200, 200, "inner\n" },
	{ "encoded_letter", "/%68ello.txt", 200, 200, HELLO },
	{ "absolute_form", "http://t/hello.txt", 200, 200, HELLO },
	{ "encoded_nul", "/x%00y", 400, 400, NULL },
	{ "nul_before_ext", "/hello.txt%00.html", 400, 400, NULL },
	{ "encoded_slash", "/sub%2finner.txt", 400, 400, NULL },
	{ "bad_escape", "/%zz", 400, 400, NULL },
	{ "symlinked_dir_out", "/escape/secret.txt", 404, 200, "secret\n" },
	{ "absolute_symlink_out", "/abs", 404, 200, "secret\n" },
	{ "symlink_inside", "/inlink", 404, 200, HELLO },
	{ "file_as_dir", "/hello.txt/", 404, 404, NULL },
	{ "missing", "/nope", 404, 404, NULL },
	{ "missing_dir", "/nope/x", 404, 404, NULL },
};

static void
check_traversal(int i, bool follow)
{
	const struct tcase_	*c = &tcases[i];
	int			 want = follow ? c->status_follow : c->status;

	svc.follow_symlinks = follow;
	get("GET", c->target, "");
	ck_assert_msg(res.r.status == want, "%s (follow %d): %d, want %d",
	    c->name, follow, res.r.status, want);
	status_line();
	if (want == 200)
		ck_assert_msg(strcmp(res.body, c->body) == 0, "%s: %s",
		    c->name, res.body);
	else {
		ck_assert_int_eq(res.r.fd, -1);
		ck_assert_ptr_null(strstr(inline_body(), "secret"));
	}
}

START_TEST(contains_traversal)
{
	check_traversal(_i, false);
	check_traversal(_i, true);
}
END_TEST

/* Makes openat2(2) fail with ENOSYS, as on kernels before 5.6. */
static void
deny_openat2(void)
{
	struct sock_filter	f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog	prog = { NELEM(f), f };

	ck_assert_int_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	ck_assert_int_eq(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog),
	    0);
	ck_assert_int_eq(syscall(SYS_openat2, AT_FDCWD, "/", NULL, 0), -1);
	ck_assert_int_eq(errno, ENOSYS);
}

START_TEST(contains_traversal_without_openat2)
{
	deny_openat2();
	check_traversal(_i, false);
	check_traversal(_i, true);
}
END_TEST

START_TEST(refuses_other_methods_with_allow)
{
	static const char	*methods[] = { "POST", "PUT", "DELETE", "get",
	    "OPTIONS" };
	size_t			 i;

	for (i = 0; i < NELEM(methods); i++) {
		get(methods[i], "/hello.txt", "");
		ck_assert_int_eq(status_line(), 405);
		ck_assert_str_eq(hdr("Allow"), "GET, HEAD");
		ck_assert_int_eq(res.r.fd, -1);
		ck_assert_uint_gt(strlen(inline_body()), 0);
		ck_assert_uint_eq(strlen(inline_body()),
		    strtoul(hdr("Content-Length"), NULL, 10));
	}
}
END_TEST

START_TEST(error_to_head_has_length_but_no_body)
{
	get("HEAD", "/nope", "");
	ck_assert_int_eq(status_line(), 404);
	ck_assert_uint_gt(strtoul(hdr("Content-Length"), NULL, 10), 0);
	ck_assert_str_eq(inline_body(), "");
}
END_TEST

START_TEST(long_target_is_414)
{
	static char	raw[PATH_MAX + 128];
	char		*p;

	p = raw + sprintf(raw, "GET /");
	memset(p, 'a', PATH_MAX);
	strcpy(p + PATH_MAX, " HTTP/1.1\r\nHost: t\r\n\r\n");
	ask(raw);
	ck_assert_int_eq(status_line(), 414);
}
END_TEST

static const struct mcase {
	const char	*target;
	const char	*type;
} mcases[] = {
	{ "/page.html", "text/html" },
	{ "/style.css", "text/css" },
	{ "/img.png", "image/png" },
	{ "/SHOUT.CSS", "text/css" },
	{ "/hello.txt", "text/plain" },
	{ "/blob.zzqx", "application/octet-stream" },
	{ "/README", "application/octet-stream" },
};

START_TEST(types_from_mime_types)
{
	get("GET", mcases[_i].target, "");
	ck_assert_int_eq(status_line(), 200);
	ck_assert_msg(strcmp(hdr("Content-Type"), mcases[_i].type) == 0,
	    "%s: %s", mcases[_i].target, hdr("Content-Type"));
}
END_TEST

START_TEST(head_that_does_not_fit_leaves_buffer_and_fds_alone)
{
	static const char *targets[] = { "/hello.txt", "/list/", "/nope",
	    "/sub" };
	static struct resp_head	 h;
	struct h1_msg	 m;
	struct h1_write	 how = { false, true, false };
	struct buf	 b;
	char		 raw[256];
	size_t		 i;
	int		 fds;

	/*
	 * The reply is built as fields, then written by the front end: a
	 * head that does not fit its buffer is refused there, the buffer
	 * left as it was, and the caller (request.c) closes the file and
	 * answers 500.
	 */
	svc.dirindex = true;
	for (i = 0; i < NELEM(targets); i++) {
		snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n",
		    targets[i]);
		h1_msg_reset(&m);
		ck_assert_int_eq(h1_parse_request(&m, raw, strlen(raw), 4096),
		    H1_DONE);
		ck_assert_int_eq(buf_init(&b, 64), 0);
		ck_assert_int_eq(buf_append(&b, "xyzw", 4), 0);
		buf_consume(&b, 1);
		fds = count_fds();
		ck_assert_int_eq(static_reply(&svc, &m, "weir", &h, &res.r),
		    0);
		ck_assert_int_eq(h1_write_head(&b, &h, &how), -1);
		if (res.r.fd != -1)
			close(res.r.fd);
		static_flush_cache();
		ck_assert_int_eq(count_fds(), fds);
		ck_assert_uint_eq(buf_len(&b), 3);
		ck_assert(memcmp(buf_head(&b), "yzw", 3) == 0);
		buf_free(&b);
	}
}
END_TEST

static Suite *
static_suite(bool is_forking)
{
	Suite	*s = suite_create("static");
	TCase	*tc;

	tc = tcase_create("file");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, serves_file_with_type_length_and_validators);
	tcase_add_test(tc, head_gets_the_get_head_and_no_body);
	tcase_add_test(tc, connection_fields_follow_keep_alive_and_version);
	tcase_add_test(tc, empty_file_has_no_body_to_send);
	tcase_add_loop_test(tc, types_from_mime_types, 0, NELEM(mcases));
	suite_add_tcase(s, tc);

	tc = tcase_create("conditional");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, answers_conditionals, 0, NELEM(ccases));
	suite_add_tcase(s, tc);

	tc = tcase_create("range");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, serves_ranges, 0, NELEM(rcases));
	tcase_add_test(tc, range_on_empty_file_is_unsatisfiable);
	tcase_add_test(tc, range_is_for_get_only_and_once);
	tcase_add_test(tc, if_range_decides_between_part_and_whole);
	suite_add_tcase(s, tc);

	tc = tcase_create("directory");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, redirects_directory_without_slash, 0,
	    NELEM(dcases));
	tcase_add_test(tc, serves_index_file);
	tcase_add_test(tc, refuses_directory_without_index_or_listing);
	tcase_add_test(tc, lists_directory_sorted_and_escaped);
	tcase_add_test(tc, root_listing_has_no_parent_link);
	suite_add_tcase(s, tc);

	tc = tcase_create("containment");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, contains_traversal, 0, NELEM(tcases));
	tcase_add_test(tc, refuses_what_is_not_a_file);
	suite_add_tcase(s, tc);

	/* The filter outlives the test, so only where each test forks. */
	if (is_forking) {
		tc = tcase_create("fallback");
		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_loop_test(tc, contains_traversal_without_openat2, 0,
		    NELEM(tcases));
		suite_add_tcase(s, tc);
	}

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, refuses_other_methods_with_allow);
	tcase_add_test(tc, error_to_head_has_length_but_no_body);
	tcase_add_test(tc, long_target_is_414);
	tcase_add_test(tc, head_that_does_not_fit_leaves_buffer_and_fds_alone);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;
	bool	 is_forking;

	sr = srunner_create(NULL);
	is_forking = srunner_fork_status(sr) == CK_FORK;
	srunner_add_suite(sr, static_suite(is_forking));
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
