/*
 * Static files for the web_server role.  Paths are normalized, then opened
 * beneath the docroot with openat2(2), so the kernel keeps them inside.
 * Listings are written into a memfd and sent like files.  Sending bytes,
 * timeouts and the access log belong to the connection.
 */
#include "worker/static.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/openat2.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/config.h"
#include "common/h1_parse.h"
#include "common/http_status.h"
#include "common/path.h"

#define MIME_TYPES_PATH		"/etc/mime.types"
#define MIME_TYPES_MAX_BYTES	(1024 * 1024)
#define MIME_DEFAULT		"application/octet-stream"

/*
 * A listing is built while the event loop waits, so its size is what one
 * request may cost every other connection of the worker.
 */
#define LISTING_MAX_ENTRIES	10000

/* Flags for every file or directory opened on behalf of a client. */
#define OPEN_FLAGS	(O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

/* One request as it is being answered. */
struct req {
	const struct service_conf	*svc;	/* borrowed */
	const struct h1_msg		*m;	/* borrowed */
	struct static_reply		*rep;	/* borrowed */
	struct resp_head		*h;	/* borrowed: the answer */
	bool				 is_head;
	const char			*via;	/* borrowed; NULL = none */
	time_t				 now;
	char				 path[PATH_MAX];	/* normalized */
	size_t				 path_len;
};


/*
 * The docroot's directory, opened once per second per service rather than
 * for every request (two system calls saved on a keep-alive request for a
 * small file).  After a deploy that swaps the docroot (a symlink moved
 * onto a new release), requests see the new tree within a second.
 */
#define DOCROOT_CACHE		16
#define DOCROOT_VALID_S		1

static struct {
	char	*path;		/* owned copy of the docroot: the key */
	int	 fd;
	time_t	 opened;
} docroots[DOCROOT_CACHE];

static int
docroot_fd(const struct service_conf *svc)
{
	time_t	now = time(NULL);
	size_t	i, slot = DOCROOT_CACHE;
	char	*path;
	int	fd;

	for (i = 0; i < DOCROOT_CACHE; i++) {
		if (docroots[i].path != NULL &&
		    strcmp(docroots[i].path, svc->docroot) == 0) {
			if (now - docroots[i].opened < DOCROOT_VALID_S)
				return docroots[i].fd;
			slot = i;
			break;
		}
		if (docroots[i].path == NULL && slot == DOCROOT_CACHE)
			slot = i;
	}
	if ((path = strdup(svc->docroot)) == NULL)
		return -1;
	fd = open(svc->docroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		free(path);
		return -1;
	}
	if (slot == DOCROOT_CACHE)
		slot = (size_t)now % DOCROOT_CACHE;	/* full: evict one */
	if (docroots[slot].path != NULL) {
		close(docroots[slot].fd);
		free(docroots[slot].path);
	}
	docroots[slot].path = path;
	docroots[slot].fd = fd;
	docroots[slot].opened = now;
	return fd;
}

void
static_flush_cache(void)
{
	size_t	i;

	for (i = 0; i < DOCROOT_CACHE; i++)
		if (docroots[i].path != NULL) {
			close(docroots[i].fd);
			free(docroots[i].path);
			docroots[i].path = NULL;
		}
}

static const char *const wdays[] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const months[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/*
 * Process-wide caches, set once.  Workers are single-threaded processes, so
 * no lock; a reload starts new workers, which load them again.
 */
struct mime_type {
	const char	*ext;		/* lower case */
	const char	*type;
	size_t		 seq;		/* line order: the first line wins */
};
static struct {
	bool			 is_loaded;
	char			*text;		/* owned: the file, cut in
						   place into strings */
	struct mime_type	*v;		/* owned, sorted by ext */
	size_t			 n;
} mime;
static bool	no_openat2;		/* the kernel said ENOSYS */

/* Used when MIME_TYPES_PATH cannot be read; sorted by ext. */
static const struct mime_type mime_builtin[] = {
	{ "css", "text/css", 0 }, { "gif", "image/gif", 0 },
	{ "htm", "text/html", 0 }, { "html", "text/html", 0 },
	{ "ico", "image/vnd.microsoft.icon", 0 },
	{ "jpeg", "image/jpeg", 0 }, { "jpg", "image/jpeg", 0 },
	{ "js", "text/javascript", 0 }, { "json", "application/json", 0 },
	{ "mjs", "text/javascript", 0 }, { "pdf", "application/pdf", 0 },
	{ "png", "image/png", 0 }, { "svg", "image/svg+xml", 0 },
	{ "txt", "text/plain", 0 }, { "wasm", "application/wasm", 0 },
	{ "webp", "image/webp", 0 }, { "xml", "application/xml", 0 },
};

/* IMF-fixdate (RFC 9110 5.6.7), without the locale strftime would use. */
static void
fmt_date(time_t t, char *s, size_t cap)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(s, cap, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	snprintf(s, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    wdays[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Exactly <n> digits at <s> into <*v>. */
static bool
digits(const char *s, size_t n, int *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

static int
month_of(const char *s)
{
	int	i;

	for (i = 0; i < 12; i++)
		if (memcmp(s, months[i], 3) == 0)
			return i;
	return -1;
}

/* "hh:mm:ss" */
static bool
clock_of(const char *s, struct tm *tm)
{
	return digits(s, 2, &tm->tm_hour) && s[2] == ':' &&
	    digits(s + 3, 2, &tm->tm_min) && s[5] == ':' &&
	    digits(s + 6, 2, &tm->tm_sec) && tm->tm_hour < 24 &&
	    tm->tm_min < 60 && tm->tm_sec <= 60;
}

/*
 * Parses an HTTP-date.  RFC 9110 5.6.7: a recipient "MUST accept all three"
 * formats, IMF-fixdate, rfc850-date and asctime-date.  The weekday is not
 * checked against the date; a day that does not exist in its month is.
 */
static bool
parse_date(const char *s, size_t n, time_t now, time_t *t)
{
	struct tm	 tm, ntm;
	const char	*c, *r;
	int		 mday, mon, year;

	memset(&tm, 0, sizeof(tm));
	c = memchr(s, ',', n);
	if (c == NULL) {
		/* asctime-date: "Sun Nov  6 08:49:37 1994" */
		if (n != 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' ||
		    s[19] != ' ' || (mon = month_of(s + 4)) == -1 ||
		    !clock_of(s + 11, &tm) || !digits(s + 20, 4, &year))
			return false;
		if (!(s[8] == ' ' ? digits(s + 9, 1, &mday) :
		    digits(s + 8, 2, &mday)))
			return false;
	} else if (c - s == 3) {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		if (n != 29 || s[4] != ' ' || !digits(s + 5, 2, &mday) ||
		    s[7] != ' ' || (mon = month_of(s + 8)) == -1 ||
		    s[11] != ' ' || !digits(s + 12, 4, &year) ||
		    s[16] != ' ' || !clock_of(s + 17, &tm) ||
		    memcmp(s + 25, " GMT", 4) != 0)
			return false;
	} else {
		/* rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT" */
		r = c + 1;
		if (n - (size_t)(r - s) != 23 || r[0] != ' ' ||
		    !digits(r + 1, 2, &mday) || r[3] != '-' ||
		    (mon = month_of(r + 4)) == -1 || r[7] != '-' ||
		    !digits(r + 8, 2, &year) || r[10] != ' ' ||
		    !clock_of(r + 11, &tm) || memcmp(r + 19, " GMT", 4) != 0)
			return false;
		/* RFC 9110 5.6.7: more than 50 years ahead means the
		   most recent past year with those two digits. */
		if (gmtime_r(&now, &ntm) == NULL)
			return false;
		year += (ntm.tm_year + 1900) / 100 * 100;
		if (year > ntm.tm_year + 1900 + 50)
			year -= 100;
	}
	if (mday < 1 || mday > 31)
		return false;
	tm.tm_mday = mday;
	tm.tm_mon = mon;
	tm.tm_year = year - 1900;
	/* timegm() moves "31 Feb" into March; that is not a date. */
	if ((*t = timegm(&tm)) == (time_t)-1 || tm.tm_mday != mday)
		return false;
	return true;
}

/* Escapes <c> into <e> unless it is unreserved or in <keep>; the length. */
static size_t
pct_escape(unsigned char c, const char *keep, char *e)
{
	static const char	hex[] = "0123456789ABCDEF";

	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~' || (c != '\0' && strchr(keep, c) != NULL)) {
		e[0] = (char)c;
		return 1;
	}
	e[0] = '%';
	e[1] = hex[c >> 4];
	e[2] = hex[c & 0xf];
	return 3;
}

/*
 * Percent-encodes <s>[0..<n>) (RFC 3986 2.1), leaving <keep> alone, at
 * <out>[*<len>..] (<cap> bytes in all).  False when it does not fit.
 */
static bool
put_pct(char *out, size_t cap, size_t *len, const char *s, size_t n,
    const char *keep)
{
	char	e[3];
	size_t	i, k;

	for (i = 0; i < n; i++) {
		k = pct_escape((unsigned char)s[i], keep, e);
		if (cap - *len < k + 1)
			return false;
		memcpy(out + *len, e, k);
		*len += k;
	}
	out[*len] = '\0';
	return true;
}

static int
mime_cmp(const void *a, const void *b)
{
	const struct mime_type	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->ext, y->ext)) != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s += 'a' - 'A';
}

/*
 * Reads MIME_TYPES_PATH ("type ext ext ..." lines, '#' comments) into
 * <mime>.  On any failure <mime> stays empty and mime_builtin is used.
 */
static void
mime_load(void)
{
	struct stat		 st;
	struct mime_type	*v = NULL, *nv;
	char			*text = NULL, *p, *line, *type, *tok, *save;
	size_t			 len = 0, n = 0, cap = 0;
	ssize_t			 got;
	int			 fd;

	mime.is_loaded = true;
	if ((fd = open(MIME_TYPES_PATH, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	if (fstat(fd, &st) == -1 || st.st_size > MIME_TYPES_MAX_BYTES ||
	    (text = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (len < (size_t)st.st_size) {
		got = read(fd, text + len, (size_t)st.st_size - len);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1)
			goto fail;
		if (got == 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	fd = -1;
	text[len] = '\0';
	for (p = text; (line = strsep(&p, "\n")) != NULL;) {
		if ((tok = strchr(line, '#')) != NULL)
			*tok = '\0';
		if ((type = strtok_r(line, " \t\r", &save)) == NULL)
			continue;
		while ((tok = strtok_r(NULL, " \t\r", &save)) != NULL) {
			if (n == cap) {
				cap = cap == 0 ? 1024 : cap * 2;
				if ((nv = reallocarray(v, cap,
				    sizeof(*v))) == NULL)
					goto fail;
				v = nv;
			}
			lower(tok);
			v[n].ext = tok;
			v[n].type = type;
			v[n].seq = n;
			n++;
		}
	}
	if (n == 0)
		goto fail;
	qsort(v, n, sizeof(*v), mime_cmp);
	mime.text = text;
	mime.v = v;
	mime.n = n;
	return;
fail:
	if (fd != -1)
		close(fd);
	free(text);
	free(v);
}

/* The media type for the file name <name>, by its extension. */
static const char *
mime_lookup(const char *name)
{
	const struct mime_type	*v = mime.v;
	const char		*base, *dot;
	char			 ext[32];
	size_t			 n = mime.n, lo, hi, mid;

	if (!mime.is_loaded) {
		mime_load();
		v = mime.v;
		n = mime.n;
	}
	if (v == NULL) {
		v = mime_builtin;
		n = sizeof(mime_builtin) / sizeof(mime_builtin[0]);
	}
	base = strrchr(name, '/');
	base = base == NULL ? name : base + 1;
	/* ".profile" is a name without an extension. */
	if ((dot = strrchr(base, '.')) == NULL || dot == base ||
	    strlen(dot + 1) >= sizeof(ext))
		return MIME_DEFAULT;
	strcpy(ext, dot + 1);
	lower(ext);
	for (lo = 0, hi = n; lo < hi;) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(v[mid].ext, ext) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (ext[0] != '\0' && lo < n && strcmp(v[lo].ext, ext) == 0)
		return v[lo].type;
	return MIME_DEFAULT;
}

/*
 * A strong validator from mtime and size.  The mtime counts nanoseconds:
 * two writes within one second that keep the size would otherwise share a
 * tag, and a Range reply would splice two versions together.
 */
static void
fmt_etag(const struct stat *st, char *s, size_t cap)
{
	uint64_t	ns;

	ns = (uint64_t)st->st_mtim.tv_sec * 1000000000u +
	    (uint64_t)st->st_mtim.tv_nsec;
	snprintf(s, cap, "\"%llx-%llx\"", (unsigned long long)ns,
	    (unsigned long long)st->st_size);
}

static size_t
skip_ows(const char *v, size_t n, size_t i)
{
	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	return i;
}

/*
 * True when the If-None-Match value <v> is "*" or lists <etag>, compared
 * weakly (RFC 9110 13.1.2: W/ is ignored).  Tags are parsed, not split on
 * commas, because a comma may sit inside the quotes.  A malformed list
 * matches nothing from the bad element on.
 */
static bool
etag_listed(const char *v, size_t n, const char *etag)
{
	size_t	i, j, elen = strlen(etag);

	i = skip_ows(v, n, 0);
	if (n - i >= 1 && v[i] == '*' && skip_ows(v, n, i + 1) == n)
		return true;
	for (;;) {
		while (i < n && (v[i] == ',' || v[i] == ' ' || v[i] == '\t'))
			i++;
		if (i == n)
			return false;
		if (n - i >= 2 && v[i] == 'W' && v[i + 1] == '/')
			i += 2;
		if (i == n || v[i] != '"')
			return false;
		for (j = i + 1; j < n && v[j] != '"'; j++)
			continue;
		if (j == n)
			return false;
		if (j + 1 - i == elen && memcmp(v + i, etag, elen) == 0)
			return true;
		i = skip_ows(v, n, j + 1);
		if (i < n && v[i] != ',')
			return false;
	}
}

/* RFC 9110 13.2.2: true when the answer to GET or HEAD is 304. */
static bool
not_modified(const struct req *r, const char *etag, time_t mtime)
{
	const struct h1_header	*h;
	bool			 has_inm = false;
	time_t			 t;
	size_t			 i;

	for (i = 0; i < r->m->nheaders; i++) {
		h = &r->m->headers[i];
		if (!h1_token_eq(h->name, h->name_len, "if-none-match"))
			continue;
		has_inm = true;
		if (etag_listed(h->value, h->value_len, etag))
			return true;
	}
	/* Step 3 before step 4: If-Modified-Since counts only without
	   If-None-Match, the more precise validator. */
	if (has_inm)
		return false;
	h = h1_find_header(r->m, "if-modified-since");
	return h != NULL && parse_date(h->value, h->value_len, r->now, &t) &&
	    mtime <= t;
}

/*
 * RFC 9110 13.1.5: true when the If-Range value in <h> still names this
 * representation, so the Range may be served.  Entity-tags are compared
 * strongly, so a weak one never matches.  A date must equal Last-Modified
 * and, to be a strong validator (8.8.2.2), name a second that is over: a
 * second write within it could not have changed mtime's whole seconds.
 */
static bool
if_range_holds(const struct h1_header *h, const char *etag, time_t mtime,
    time_t now)
{
	time_t	t;

	if (h->value_len >= 1 && h->value[0] == '"')
		return h->value_len == strlen(etag) &&
		    memcmp(h->value, etag, h->value_len) == 0;
	if (h->value_len >= 2 && h->value[0] == 'W' && h->value[1] == '/')
		return false;
	return parse_date(h->value, h->value_len, now, &t) && t == mtime &&
	    mtime < now;
}

/* One or more digits at <s>[<*i>..<n>), saturating at UINT64_MAX. */
static bool
range_num(const char *s, size_t n, size_t *i, uint64_t *v)
{
	size_t		 start = *i;
	unsigned	 d;

	*v = 0;
	for (; *i < n && s[*i] >= '0' && s[*i] <= '9'; (*i)++) {
		d = (unsigned)(s[*i] - '0');
		*v = *v > (UINT64_MAX - d) / 10 ? UINT64_MAX : *v * 10 + d;
	}
	return *i > start;
}

enum range {
	RANGE_IGNORE = 0,	/* send the whole representation */
	RANGE_ONE,		/* send [first, last] as 206 */
	RANGE_UNSATISFIABLE,	/* 416 */
};

/*
 * The Range value <v> for a representation of <size> bytes (RFC 9110
 * 14.1.2).  Only one "bytes" range-spec is served.  Several are answered
 * with the whole file, as 14.2 allows ("MAY ignore"), which spares a
 * multipart body; so is anything malformed, such as "5-2".
 */
static enum range
parse_range(const char *v, size_t n, uint64_t size, uint64_t *first,
    uint64_t *last)
{
	uint64_t	 a, b;
	size_t		 i;
	bool		 has_last;

	/* 14.1: range units are case-insensitive. */
	if (n < 6 || strncasecmp(v, "bytes=", 6) != 0)
		return RANGE_IGNORE;
	i = skip_ows(v, n, 6);
	if (memchr(v + i, ',', n - i) != NULL)
		return RANGE_IGNORE;
	if (i < n && v[i] == '-') {
		i++;
		if (!range_num(v, n, &i, &b) || skip_ows(v, n, i) != n)
			return RANGE_IGNORE;
		/* 14.1.2: a suffix of zero bytes, or of an empty
		   representation, is unsatisfiable. */
		if (b == 0 || size == 0)
			return RANGE_UNSATISFIABLE;
		*first = b < size ? size - b : 0;
		*last = size - 1;
		return RANGE_ONE;
	}
	if (!range_num(v, n, &i, &a) || i == n || v[i] != '-')
		return RANGE_IGNORE;
	i++;
	has_last = range_num(v, n, &i, &b);
	if (skip_ows(v, n, i) != n || (has_last && b < a))
		return RANGE_IGNORE;
	if (a >= size)
		return RANGE_UNSATISFIABLE;
	*first = a;
	*last = !has_last || b >= size ? size - 1 : b;
	return RANGE_ONE;
}

/*
 * The Range to serve for a GET.  A Range field given twice is ignored:
 * it is not a list, so which one did the client mean?
 */
static enum range
want_range(const struct req *r, const char *etag, time_t mtime,
    uint64_t size, uint64_t *first, uint64_t *last)
{
	const struct h1_header	*h = NULL, *ir;
	size_t			 i, nrange = 0;

	for (i = 0; i < r->m->nheaders; i++)
		if (h1_token_eq(r->m->headers[i].name,
		    r->m->headers[i].name_len, "range")) {
			h = &r->m->headers[i];
			nrange++;
		}
	if (nrange != 1)
		return RANGE_IGNORE;
	if ((ir = h1_find_header(r->m, "if-range")) != NULL &&
	    !if_range_holds(ir, etag, mtime, r->now))
		return RANGE_IGNORE;
	return parse_range(h->value, h->value_len, size, first, last);
}

/*
 * openat(2) one component at a time with O_NOFOLLOW, for kernels without
 * openat2(2).  <rel> comes from path_normalize(), so it holds no "." or
 * ".."; refusing ".." anyway keeps an index name like "../x" inside.
 */
static int
open_walk(int dirfd, const char *rel, int flags)
{
	char		 comp[NAME_MAX + 1];
	const char	*slash;
	size_t		 len;
	int		 fd = dirfd, nfd, err;

	for (;;) {
		slash = strchr(rel, '/');
		len = slash == NULL ? strlen(rel) : (size_t)(slash - rel);
		if (len > NAME_MAX) {
			nfd = -1;
			err = ENAMETOOLONG;
			break;
		}
		memcpy(comp, rel, len);
		comp[len] = '\0';
		if (strcmp(comp, "..") == 0) {
			nfd = -1;
			err = EXDEV;
			break;
		}
		if (slash == NULL || slash[1] == '\0') {
			nfd = openat(fd, comp, flags | O_NOFOLLOW |
			    (slash != NULL ? O_DIRECTORY : 0));
			err = errno;
			break;
		}
		nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		err = errno;
		if (fd != dirfd)
			close(fd);
		if (nfd == -1) {
			errno = err;
			return -1;
		}
		fd = nfd;
		rel = slash + 1;
	}
	if (fd != dirfd)
		close(fd);
	errno = err;
	return nfd;
}

/*
 * Opens <rel> under <dirfd>.  Unless <follow>, the kernel refuses any
 * symlink and any step outside <dirfd> (RESOLVE_BENEATH); with <follow>,
 * symlinks may lead anywhere, as the operator asked.  Magic links
 * (/proc/self/fd/N) are never followed.  -1 with errno on failure.
 */
static int
open_beneath(int dirfd, const char *rel, bool follow, int flags)
{
	struct open_how	 how;
	int		 fd = -1, tries;

#ifdef SYS_openat2
	if (!no_openat2) {
		memset(&how, 0, sizeof(how));
		how.flags = (uint64_t)flags;
		how.resolve = RESOLVE_NO_MAGICLINKS;
		if (!follow)
			how.resolve |= RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
		/* EAGAIN: a rename raced the lookup; the man page says
		   to retry. */
		for (tries = 0; tries < 3; tries++) {
			fd = (int)syscall(SYS_openat2, dirfd, rel, &how,
			    sizeof(how));
			if (fd != -1 || (errno != EAGAIN && errno != EINTR))
				break;
		}
		if (fd != -1 || errno != ENOSYS)
			return fd;
		no_openat2 = true;
	}
#else
	(void)how;
	(void)tries;
#endif
	if (follow)
		return openat(dirfd, rel, flags);
	return open_walk(dirfd, rel, flags);
}

/*
 * The status for a failed open.  A symlink refused or a step outside the
 * docroot reads as 404, like a missing file: a client learns nothing
 * about what exists outside.
 */
static int
open_status(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ELOOP:
	case EXDEV:
	case ENAMETOOLONG:
		return 404;
	case EACCES:
	case EPERM:
	case ENXIO:		/* a UNIX socket */
	case ENODEV:
		return 403;
	default:
		return 500;
	}
}

/* The status and the fields every answer carries. */
static void
head_start(struct req *r, int status)
{
	char	date[64];

	r->rep->status = status;
	resp_init(r->h, status);
	fmt_date(r->now, date, sizeof(date));
	resp_addf(r->h, "Date", "%s", date);
	resp_add(r->h, "Server", "weir", 4);
	if (r->via != NULL)
		resp_addf(r->h, "Via", "1.1 %s", r->via);
}

/*
 * Ends a head begun by head_start() with the short text/plain body for
 * its status (sent with the head; only announced for HEAD).
 */
static void
text_end(struct req *r)
{
	const char	*body = http_status_text(r->rep->status,
	    HTTP_VOICE_FILES);

	resp_add(r->h, "Content-Type", "text/plain", 10);
	r->h->length = strlen(body);
	r->h->has_length = true;
	if (!r->is_head) {
		r->h->framing = H1_FRAME_LENGTH;
		r->h->body = body;
	}
}

static void
reply_text(struct req *r, int status)
{
	head_start(r, status);
	text_end(r);
}

/* 301 from "/dir" to "/dir/", keeping the query. */
static void
redirect_dir(struct req *r)
{
	char		 location[3 * PATH_MAX + 8];
	size_t		 len = 0;
	const char	*q;

	head_start(r, 301);
	/*
	 * The normalized path never starts with "//", which a browser
	 * would read as another host.  Re-encoded because it was decoded.
	 */
	if (!put_pct(location, sizeof(location), &len, r->path, r->path_len,
	    "/!$&'()*+,;=:@") || !put_pct(location, sizeof(location), &len,
	    "/", 1, "/")) {
		r->h->is_full = true;
		return;
	}
	/* The parser let only visible ASCII into the target. */
	q = memchr(r->m->target, '?', r->m->target_len);
	resp_addf(r->h, "Location", "%s%.*s", location,
	    q != NULL ? (int)(r->m->target_len - (size_t)(q - r->m->target)) :
	    0, q != NULL ? q : "");
	text_end(r);
}

/* Answers with the regular file <fd> (owned) of <st>, named <name>. */
static void
serve_file(struct req *r, int fd, const struct stat *st, const char *name)
{
	struct static_reply	*rep = r->rep;
	char			 etag[64], lm[64];
	uint64_t		 size = (uint64_t)st->st_size, first = 0;
	uint64_t		 last = 0, len;
	enum range		 rg = RANGE_IGNORE;

	fmt_etag(st, etag, sizeof(etag));
	fmt_date(st->st_mtim.tv_sec, lm, sizeof(lm));
	if (not_modified(r, etag, st->st_mtim.tv_sec)) {
		close(fd);
		head_start(r, 304);
		resp_addf(r->h, "Last-Modified", "%s", lm);
		resp_addf(r->h, "ETag", "%s", etag);
		return;
	}
	/* RFC 9110 14.2: GET is the only method Range applies to. */
	if (!r->is_head)
		rg = want_range(r, etag, st->st_mtim.tv_sec, size, &first,
		    &last);
	if (rg == RANGE_UNSATISFIABLE) {
		close(fd);
		head_start(r, 416);
		resp_addf(r->h, "Content-Range", "bytes */%llu",
		    (unsigned long long)size);
		text_end(r);
		return;
	}
	if (rg == RANGE_ONE) {
		len = last - first + 1;
		head_start(r, 206);
		resp_addf(r->h, "Content-Range", "bytes %llu-%llu/%llu",
		    (unsigned long long)first, (unsigned long long)last,
		    (unsigned long long)size);
	} else {
		len = size;
		head_start(r, 200);
	}
	resp_addf(r->h, "Content-Type", "%s", mime_lookup(name));
	resp_addf(r->h, "Last-Modified", "%s", lm);
	resp_addf(r->h, "ETag", "%s", etag);
	resp_add(r->h, "Accept-Ranges", "bytes", 5);
	r->h->length = len;
	r->h->has_length = true;
	if (r->is_head || len == 0) {
		close(fd);
		return;
	}
	r->h->framing = H1_FRAME_LENGTH;
	rep->fd = fd;
	rep->offset = (off_t)first;
	rep->length = len;
}

/* Buffered writes to a memfd; <failed> sticks. */
struct page {
	int		 fd;
	bool		 failed;
	uint64_t	 total;		/* bytes written to <fd> */
	size_t		 n;		/* bytes waiting in <buf> */
	char		 buf[4096];
};

static void
page_flush(struct page *p)
{
	size_t	off = 0;
	ssize_t	w;

	while (!p->failed && off < p->n) {
		w = write(p->fd, p->buf + off, p->n - off);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			p->failed = true;
		else
			off += (size_t)w;
	}
	p->total += off;
	p->n = 0;
}

static void
page_put(struct page *p, const char *s, size_t n)
{
	size_t	k;

	while (n > 0) {
		if (p->n == sizeof(p->buf))
			page_flush(p);
		k = sizeof(p->buf) - p->n;
		if (k > n)
			k = n;
		memcpy(p->buf + p->n, s, k);
		p->n += k;
		s += k;
		n -= k;
	}
}

static void
page_puts(struct page *p, const char *s)
{
	page_put(p, s, strlen(s));
}

/* <s> as HTML text or attribute value. */
static void
page_html(struct page *p, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&':
			page_puts(p, "&amp;");
			break;
		case '<':
			page_puts(p, "&lt;");
			break;
		case '>':
			page_puts(p, "&gt;");
			break;
		case '"':
			page_puts(p, "&quot;");
			break;
		case '\'':
			page_puts(p, "&#39;");
			break;
		default:
			page_put(p, s, 1);
		}
}

/*
 * <s> as a relative URI reference.  Everything but unreserved bytes is
 * escaped; ':' above all, or "javascript:x" would be a scheme.
 */
static void
page_href(struct page *p, const char *s)
{
	char	e[3];

	for (; *s != '\0'; s++)
		page_put(p, e, pct_escape((unsigned char)*s, "", e));
}

/*
 * Writes the names worth listing in <dfd> to <names> as records
 * "<'d' or 'f'><name>\0": directories and regular files, not dotfiles,
 * not symlinks unless they may be followed.  Returns how many, or -1.
 */
static long
collect_names(const struct req *r, int dfd, struct page *names,
    bool *is_truncated)
{
	union {
		struct dirent64	d;
		char		b[8192];
	}			 u;
	struct dirent64		*d;
	struct stat		 st;
	ssize_t			 n, off;
	long			 count = 0;
	unsigned char		 type;
	bool			 follow = r->svc->follow_symlinks;

	for (;;) {
		n = getdents64(dfd, u.b, sizeof(u.b));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			return count;
		for (off = 0; off < n; off += d->d_reclen) {
			d = (struct dirent64 *)(void *)(u.b + off);
			if (d->d_name[0] == '.')
				continue;
			type = d->d_type;
			if (type == DT_UNKNOWN || (type == DT_LNK && follow)) {
				if (fstatat(dfd, d->d_name, &st, follow ? 0 :
				    AT_SYMLINK_NOFOLLOW) == -1)
					continue;
				type = S_ISDIR(st.st_mode) ? DT_DIR :
				    S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
			}
			if (type != DT_DIR && type != DT_REG)
				continue;
			if (count == LISTING_MAX_ENTRIES) {
				*is_truncated = true;
				return count;
			}
			page_put(names, type == DT_DIR ? "d" : "f", 1);
			page_put(names, d->d_name, strlen(d->d_name) + 1);
			count++;
		}
	}
}

static int
record_cmp(const void *a, const void *b, void *base)
{
	return strcmp((const char *)base + *(const uint32_t *)a + 1,
	    (const char *)base + *(const uint32_t *)b + 1);
}

/*
 * Writes the HTML listing of <dfd> into the memfd <pg>: the names go to
 * a second memfd, then an index of their offsets is sorted in place, so
 * neither the names nor the page are ever held in the worker's heap.
 */
static int
write_listing(const struct req *r, int dfd, struct page *pg)
{
	struct page	 names;
	char		*map = MAP_FAILED, line[128];
	uint32_t	*idx = NULL;
	size_t		 off, map_len = 0, i;
	long		 count, k;
	bool		 is_truncated = false;
	int		 rv = -1;

	names.failed = false;
	names.total = names.n = 0;
	if ((names.fd = memfd_create("weir-dirnames", MFD_CLOEXEC)) == -1)
		return -1;
	count = collect_names(r, dfd, &names, &is_truncated);
	page_flush(&names);
	if (count == -1 || names.failed)
		goto out;
	off = (names.total + 3) & ~(size_t)3;
	map_len = off + (size_t)count * sizeof(*idx);
	if (count > 0) {
		if (ftruncate(names.fd, (off_t)map_len) == -1 ||
		    (map = mmap(NULL, map_len, PROT_READ | PROT_WRITE,
		    MAP_SHARED, names.fd, 0)) == MAP_FAILED)
			goto out;
		idx = (uint32_t *)(void *)(map + off);
		for (i = 0, k = 0; k < count; k++) {
			idx[k] = (uint32_t)i;
			i += strlen(map + i + 1) + 2;
		}
		qsort_r(idx, (size_t)count, sizeof(*idx), record_cmp, map);
	}

	page_puts(pg, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>Index of ");
	page_html(pg, r->path);
	page_puts(pg, "</title></head>\n<body><h1>Index of ");
	page_html(pg, r->path);
	page_puts(pg, "</h1><hr><pre>\n");
	if (r->path_len > 1)
		page_puts(pg, "<a href=\"../\">../</a>\n");
	for (k = 0; k < count; k++) {
		const char	*rec = map + idx[k];
		bool		 is_dir = rec[0] == 'd';

		page_puts(pg, "<a href=\"");
		page_href(pg, rec + 1);
		page_puts(pg, is_dir ? "/\">" : "\">");
		page_html(pg, rec + 1);
		page_puts(pg, is_dir ? "/</a>\n" : "</a>\n");
	}
	if (is_truncated) {
		snprintf(line, sizeof(line), "(only the first %d entries "
		    "are listed)\n", LISTING_MAX_ENTRIES);
		page_puts(pg, line);
	}
	page_puts(pg, "</pre><hr></body></html>\n");
	page_flush(pg);
	rv = pg->failed ? -1 : 0;
out:
	if (map != MAP_FAILED)
		munmap(map, map_len);
	close(names.fd);
	return rv;
}

/* Answers with a listing of the directory <dfd> (owned). */
static void
serve_listing(struct req *r, int dfd)
{
	struct page	pg;
	int		rv;

	pg.failed = false;
	pg.total = pg.n = 0;
	if ((pg.fd = memfd_create("weir-dirindex", MFD_CLOEXEC)) == -1) {
		close(dfd);
		reply_text(r, 500);
		return;
	}
	rv = write_listing(r, dfd, &pg);
	close(dfd);
	if (rv == -1) {
		close(pg.fd);
		reply_text(r, 500);
		return;
	}
	head_start(r, 200);
	resp_add(r->h, "Content-Type", "text/html; charset=utf-8", 24);
	r->h->length = pg.total;
	r->h->has_length = true;
	if (r->is_head || pg.total == 0) {
		close(pg.fd);
		return;
	}
	r->h->framing = H1_FRAME_LENGTH;
	r->rep->fd = pg.fd;
	r->rep->offset = 0;
	r->rep->length = pg.total;
}

/* Answers for the directory <dfd> (owned): redirect, index or listing. */
static void
serve_dir(struct req *r, int dfd)
{
	const struct service_conf	*svc = r->svc;
	const char			*name;
	struct stat			 st;
	size_t				 i;
	int				 fd, status;

	/* Without the '/', relative links in the index would resolve
	   against the parent. */
	if (r->path[r->path_len - 1] != '/') {
		close(dfd);
		redirect_dir(r);
		return;
	}
	for (i = 0; i < svc->nindex_files; i++) {
		name = svc->index_files[i];
		/* An index is a name in this directory, not a path. */
		if (name[0] == '\0' || strchr(name, '/') != NULL ||
		    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		fd = open_beneath(dfd, name, svc->follow_symlinks, OPEN_FLAGS);
		if (fd == -1) {
			if ((status = open_status(errno)) == 404)
				continue;
			close(dfd);
			reply_text(r, status);
			return;
		}
		if (fstat(fd, &st) == -1) {
			close(fd);
			close(dfd);
			reply_text(r, 500);
			return;
		}
		if (!S_ISREG(st.st_mode)) {
			close(fd);
			continue;
		}
		close(dfd);
		serve_file(r, fd, &st, name);
		return;
	}
	if (!svc->dirindex) {
		close(dfd);
		reply_text(r, 403);
		return;
	}
	serve_listing(r, dfd);
}

static void
serve(struct req *r)
{
	const struct h1_msg	*m = r->m;
	const char		*why = NULL;
	struct stat		 st;
	int			 root, fd, n, err;

	/* RFC 9110 15.5.6: a 405 "MUST" say what is allowed. */
	if (!r->is_head && !(m->method_len == 3 &&
	    memcmp(m->method, "GET", 3) == 0)) {
		head_start(r, 405);
		resp_add(r->h, "Allow", "GET, HEAD", 9);
		text_end(r);
		return;
	}
	n = path_normalize(m->target, m->target_len, r->path,
	    sizeof(r->path), &why);
	if (n == -1) {
		/* 404, not 403: a climb out of the docroot learns nothing. */
		if (why == path_escapes_root)
			reply_text(r, 404);
		else if (m->target_len + 2 > sizeof(r->path))
			reply_text(r, 414);
		else
			reply_text(r, 400);
		return;
	}
	r->path_len = (size_t)n;
	if ((root = docroot_fd(r->svc)) == -1) {
		reply_text(r, 500);
		return;
	}
	fd = open_beneath(root, r->path_len == 1 ? "." : r->path + 1,
	    r->svc->follow_symlinks, OPEN_FLAGS);
	err = errno;
	if (fd == -1) {
		reply_text(r, open_status(err));
		return;
	}
	if (fstat(fd, &st) == -1) {
		close(fd);
		reply_text(r, 500);
	} else if (S_ISDIR(st.st_mode))
		serve_dir(r, fd);
	else if (S_ISREG(st.st_mode))
		serve_file(r, fd, &st, r->path);
	else {
		/* FIFOs, sockets and devices are not documents. */
		close(fd);
		reply_text(r, 403);
	}
}

int
static_reply(const struct service_conf *svc, const struct h1_msg *req,
    const char *via, struct resp_head *h, struct static_reply *out)
{
	struct req	r;

	out->status = 500;
	out->fd = -1;
	out->offset = 0;
	out->length = 0;
	r.svc = svc;
	r.m = req;
	r.rep = out;
	r.h = h;
	r.is_head = req->method_len == 4 && memcmp(req->method, "HEAD", 4) == 0;
	r.via = via;
	r.now = time(NULL);
	r.path_len = 0;
	serve(&r);
	if (!h->is_full)
		return 0;
	if (out->fd != -1)
		close(out->fd);
	out->status = 500;
	out->fd = -1;
	out->offset = 0;
	out->length = 0;
	return -1;
}
