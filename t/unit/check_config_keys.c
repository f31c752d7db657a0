/*
 * common/config_keys.c: the key tables are sound (each default within its
 * bounds, each reference resolvable), and doc/weir.json.5 documents
 * exactly the keys they hold, in the right section and for the right
 * roles, with their types, bounds, defaults and whether they are required.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config_ctx.h"
#include "common/config_keys.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Where the man page documents each section's keys. */
static const struct man_place {
	const char	*section;	/* config_sections[].name */
	const char	*heading;	/* .SH */
	const char	*parent;	/* the key whose .RS block lists them */
} man_places[] = {
	{ "top", "TOP-LEVEL KEYS", NULL },
	{ "pool", "POOLS", NULL },
	{ "backend", "POOLS", "backends" },
	{ "health", "POOLS", "health" },
	{ "service", "SERVICES", NULL },
	{ "route", "SERVICES", "routes" },
	{ "tls", "TLS", NULL },
	{ "certificate", "TLS", "certificates" },
};

/* A key as the man page gives it: ".TP" then ".BR name \" (what)\"". */
struct man_key {
	char		 heading[64];
	char		 parent[64];	/* "" at the top of a section */
	char		 name[64];
	char		 text[256];	/* the rest of the .BR line */
	unsigned	 roles;		/* from "Keys for ... services:" */
	bool		 is_seen;	/* matched by a table row */
};

static struct man_key	*man;
static size_t		 nman;

static void
copy(char *dst, size_t size, const char *src, size_t len)
{
	ck_assert_uint_lt(len, size);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Reads doc/weir.json.5 from $top_srcdir (or the current directory). */
static void
read_man(void)
{
	const char	*top = getenv("top_srcdir");
	char		 path[4096], line[1024], heading[64] = "";
	char		 parent[64] = "", last[64] = "";
	bool		 is_tp = false, is_keys_for = false;
	unsigned	 roles = CONFIG_ROLE_ANY;
	size_t		 len, n, cap = 0;
	FILE		*f;
	struct man_key	*k;

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/doc/weir.json.5",
	    top != NULL ? top : "."), (int)sizeof(path));
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	nman = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		len = strcspn(line, "\n");
		line[len] = '\0';
		if (strncmp(line, ".SH ", 4) == 0) {
			copy(heading, sizeof(heading), line + 4, len - 4);
			parent[0] = last[0] = '\0';
			roles = CONFIG_ROLE_ANY;
		} else if (strcmp(line, ".RS") == 0)
			memcpy(parent, last, sizeof(parent));
		else if (strcmp(line, ".RE") == 0)
			parent[0] = '\0';
		else if (is_keys_for && strcmp(line, ".B reverse_proxy") == 0)
			roles = CONFIG_ROLE_PROXY;
		else if (is_keys_for && strcmp(line, ".B web_server") == 0)
			roles = CONFIG_ROLE_WEB;
		else if (is_keys_for && strcmp(line, ".B stats") == 0)
			roles = CONFIG_ROLE_STATS;
		else if (is_tp && strncmp(line, ".BR ", 4) == 0 &&
		    (n = strspn(line + 4, "abcdefghijklmnopqrstuvwxyz_0123456789")) > 0 &&
		    strncmp(line + 4 + n, " \" (", 4) == 0) {
			if (nman == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				man = realloc(man, cap * sizeof(*man));
				ck_assert_ptr_nonnull(man);
			}
			k = &man[nman++];
			memset(k, 0, sizeof(*k));
			memcpy(k->heading, heading, sizeof(k->heading));
			memcpy(k->parent, parent, sizeof(k->parent));
			copy(k->name, sizeof(k->name), line + 4, n);
			/* From the '(': .BR alternates bold and roman. */
			copy(k->text, sizeof(k->text), line + 4 + n + 3,
			    len - 4 - n - 3 - (line[len - 1] == '"'));
			k->roles = parent[0] == '\0' ? roles : CONFIG_ROLE_ANY;
			if (parent[0] == '\0')
				memcpy(last, k->name, sizeof(last));
		}
		is_tp = strcmp(line, ".TP") == 0;
		is_keys_for = strcmp(line, "Keys for") == 0;
	}
	fclose(f);
	ck_assert_uint_gt(nman, 0);
}

static const struct man_place *
place_of(const char *section)
{
	size_t	i;

	for (i = 0; i < NELEM(man_places); i++)
		if (strcmp(man_places[i].section, section) == 0)
			return &man_places[i];
	ck_abort_msg("section %s has no place in the man page", section);
	return NULL;
}

static struct man_key *
man_find(const struct man_place *p, const char *name)
{
	size_t	i;

	for (i = 0; i < nman; i++)
		if (strcmp(man[i].heading, p->heading) == 0 &&
		    strcmp(man[i].parent, p->parent != NULL ? p->parent : "") ==
		    0 && strcmp(man[i].name, name) == 0)
			return &man[i];
	return NULL;
}

/* Asserts that the man page's text for <k> holds <want>. */
static void
want_text(const struct config_section *s, const struct config_key *k,
    const struct man_key *m, const char *want)
{
	ck_assert_msg(strstr(m->text, want) != NULL,
	    "%s.%s: doc/weir.json.5 says %s, the table %s", s->name, k->name,
	    m->text, want);
}

/* What the man page must say of <k>'s type, bounds and default. */
static void
check_described(const struct config_section *s, const struct config_key *k,
    const struct man_key *m)
{
	const char *const	*p;
	char			 want[256];
	int			 n = 0;

	switch (k->type) {
	case CONFIG_BOOL:
		snprintf(want, sizeof(want), "(boolean; default %s)",
		    k->def ? "true" : "false");
		want_text(s, k, m, want);
		break;
	case CONFIG_UINT:
	case CONFIG_SIZE:
	case CONFIG_U64:
		if (k->max == LLONG_MAX)
			n = snprintf(want, sizeof(want), "(integer >= %lld; ",
			    k->min);
		else
			n = snprintf(want, sizeof(want), "(integer %lld to "
			    "%lld; ", k->min, k->max);
		if (k->def_key != NULL)
			snprintf(want + n, sizeof(want) - (size_t)n,
			    "default: %s)", k->def_key);
		else
			snprintf(want + n, sizeof(want) - (size_t)n,
			    "default %lld)", k->def);
		want_text(s, k, m, want);
		break;
	case CONFIG_ENUM:
		snprintf(want, sizeof(want), "(string; default \" %s )",
		    k->names[k->def]);
		want_text(s, k, m, want);
		break;
	case CONFIG_STRING:
		if (k->def_str != NULL)
			snprintf(want, sizeof(want), "(string; default \" %s )",
			    k->def_str);
		else
			snprintf(want, sizeof(want), "(string;");
		want_text(s, k, m, want);
		break;
	case CONFIG_STRING_OR_NULL:
		want_text(s, k, m, "(string or null;");
		break;
	case CONFIG_STRINGS:
		n = snprintf(want, sizeof(want), "(%sarray of strings; "
		    "default \" \"[", k->is_nonempty ? "non-empty " : "");
		for (p = k->def_list; *p != NULL; p++)
			n += snprintf(want + n, sizeof(want) - (size_t)n,
			    "%s\\(dq%s\\(dq", p > k->def_list ? ", " : "", *p);
		snprintf(want + n, sizeof(want) - (size_t)n, "]\" )");
		want_text(s, k, m, want);
		break;
	case CONFIG_CUSTOM:
		break;
	}
	ck_assert_msg((k->missing != NULL) == (strstr(m->text, "required") !=
	    NULL), "%s.%s: required in the table: %s; doc/weir.json.5: %s",
	    s->name, k->name, k->missing != NULL ? "yes" : "no", m->text);
}

START_TEST(man_page_documents_every_key_of_the_tables)
{
	const struct config_section	*s;
	const struct config_key		*k;
	const struct man_place		*p;
	struct man_key			*m;

	read_man();
	for (s = config_sections; s->name != NULL; s++) {
		p = place_of(s->name);
		for (k = s->keys; k->name != NULL; k++) {
			m = man_find(p, k->name);
			ck_assert_msg(m != NULL, "%s.%s is not in "
			    "doc/weir.json.5 under %s%s%s", s->name, k->name,
			    p->heading, p->parent != NULL ? ", " : "",
			    p->parent != NULL ? p->parent : "");
			m->is_seen = true;
			ck_assert_msg(m->roles == k->roles, "%s.%s: roles %#x "
			    "in the table, %#x in doc/weir.json.5", s->name,
			    k->name, k->roles, m->roles);
			check_described(s, k, m);
		}
	}
	free(man);
	man = NULL;
}
END_TEST

START_TEST(man_page_documents_no_key_the_tables_lack)
{
	const struct config_section	*s;
	const struct config_key		*k;
	struct man_key			*m;
	size_t				 i;

	read_man();
	for (s = config_sections; s->name != NULL; s++)
		for (k = s->keys; k->name != NULL; k++)
			if ((m = man_find(place_of(s->name), k->name)) != NULL)
				m->is_seen = true;
	for (i = 0; i < nman; i++)
		ck_assert_msg(man[i].is_seen, "doc/weir.json.5 documents %s "
		    "(under %s%s%s), which no key table has", man[i].name,
		    man[i].heading, man[i].parent[0] != '\0' ? ", " : "",
		    man[i].parent);
	free(man);
	man = NULL;
}
END_TEST

/* Every section the man page knows is in config_sections, and back. */
START_TEST(every_section_has_a_place_in_the_man_page)
{
	const struct config_section	*s;
	size_t				 i, n = 0;

	for (s = config_sections; s->name != NULL; s++, n++)
		place_of(s->name);
	ck_assert_uint_eq(n, NELEM(man_places));
	for (i = 0; i < NELEM(man_places); i++) {
		for (s = config_sections; s->name != NULL; s++)
			if (strcmp(s->name, man_places[i].section) == 0)
				break;
		ck_assert_msg(s->name != NULL, "no section %s",
		    man_places[i].section);
	}
}
END_TEST

static size_t
count(const char *const *list)
{
	size_t	n = 0;

	while (list[n] != NULL)
		n++;
	return n;
}

static bool
is_one_of(const char *const *list, const char *s)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* One row's default against its own bounds and names. */
static void
check_default(const struct config_section *s, const struct config_key *k)
{
	const struct config_key	*from;
	const char *const	*p;

	switch (k->type) {
	case CONFIG_BOOL:
		ck_assert_msg(k->def == 0 || k->def == 1, "%s.%s", s->name,
		    k->name);
		break;
	case CONFIG_UINT:
	case CONFIG_SIZE:
	case CONFIG_U64:
		ck_assert_msg(k->min <= k->max && k->min >= 0, "%s.%s: "
		    "bounds %lld to %lld", s->name, k->name, k->min, k->max);
		ck_assert_msg(k->type != CONFIG_UINT || k->max <= UINT_MAX,
		    "%s.%s: max %lld does not fit an unsigned", s->name,
		    k->name, k->max);
		from = k;
		if (k->def_key != NULL) {
			from = config_walk_find(s->keys, k->def_key);
			ck_assert_msg(from != NULL && from < k &&
			    from->type == k->type, "%s.%s: default from %s, "
			    "which must be an earlier key of its type", s->name,
			    k->name, k->def_key);
		}
		ck_assert_msg(from->def >= k->min && from->def <= k->max,
		    "%s.%s: default %lld outside %lld to %lld", s->name,
		    k->name, from->def, k->min, k->max);
		break;
	case CONFIG_ENUM:
		ck_assert_msg(k->names != NULL && k->def >= 0 &&
		    (size_t)k->def < count(k->names), "%s.%s: default %lld "
		    "is not one of its names", s->name, k->name, k->def);
		break;
	case CONFIG_STRING:
	case CONFIG_STRING_OR_NULL:
		ck_assert_msg(k->max_len > 0, "%s.%s: no bound", s->name,
		    k->name);
		if (k->def_str == NULL)
			break;
		ck_assert_msg(*k->def_str != '\0' &&
		    strlen(k->def_str) <= k->max_len, "%s.%s: default \"%s\" "
		    "not 1 to %zu bytes", s->name, k->name, k->def_str,
		    k->max_len);
		ck_assert_msg(k->is_valid == NULL || k->is_valid(k->def_str),
		    "%s.%s: default \"%s\": %s", s->name, k->name,
		    k->def_str, k->invalid);
		break;
	case CONFIG_STRINGS:
		ck_assert_msg(k->max > 0 && k->max_len > 0 && k->what != NULL,
		    "%s.%s: no bounds", s->name, k->name);
		if (k->def_list == NULL)
			break;
		ck_assert_msg(count(k->def_list) <= (size_t)k->max &&
		    (!k->is_nonempty || count(k->def_list) > 0), "%s.%s: "
		    "default of %zu entries", s->name, k->name,
		    count(k->def_list));
		for (p = k->def_list; *p != NULL; p++) {
			ck_assert_msg(**p != '\0' && strlen(*p) <= k->max_len,
			    "%s.%s: default entry \"%s\"", s->name, k->name,
			    *p);
			ck_assert_msg(k->names == NULL ||
			    is_one_of(k->names, *p), "%s.%s: "
			    "default entry \"%s\" not one of its names",
			    s->name, k->name, *p);
		}
		break;
	case CONFIG_CUSTOM:
		/* Its parse function owns the bounds; required ones have no
		   default to hold. */
		break;
	}
	ck_assert_msg(k->missing == NULL || (k->def_str == NULL &&
	    k->def_list == NULL && k->init == NULL && k->def_key == NULL),
	    "%s.%s: required, yet has a default", s->name, k->name);
}

START_TEST(every_default_lies_within_its_bounds)
{
	const struct config_section	*s;
	const struct config_key		*k;

	for (s = config_sections; s->name != NULL; s++)
		for (k = s->keys; k->name != NULL; k++)
			check_default(s, k);
}
END_TEST

START_TEST(every_key_is_named_once_and_reachable)
{
	const struct config_section	*s, *t;
	const struct config_key		*k;
	bool				 is_reached;

	for (s = config_sections; s->name != NULL; s++) {
		for (k = s->keys; k->name != NULL; k++) {
			ck_assert_msg(config_walk_find(s->keys, k->name) == k,
			    "%s.%s: named twice", s->name, k->name);
			ck_assert_msg(k->roles != 0 &&
			    (k->roles & ~CONFIG_ROLE_ANY) == 0, "%s.%s: roles "
			    "%#x", s->name, k->name, k->roles);
			ck_assert_msg(k->type == CONFIG_CUSTOM ||
			    (k->parse == NULL && k->init == NULL &&
			    k->sub == NULL), "%s.%s: a parse function on a "
			    "simple type", s->name, k->name);
		}
		/* The top table, or the .sub of some key. */
		is_reached = s->keys == config_keys_top;
		for (t = config_sections; t->name != NULL; t++)
			for (k = t->keys; k->name != NULL; k++)
				if (k->sub == s->keys)
					is_reached = true;
		ck_assert_msg(is_reached, "section %s is never walked",
		    s->name);
	}
}
END_TEST

static Suite *
config_keys_suite(void)
{
	Suite	*s = suite_create("config_keys");
	TCase	*tc;

	tc = tcase_create("tables");
	tcase_add_test(tc, every_default_lies_within_its_bounds);
	tcase_add_test(tc, every_key_is_named_once_and_reachable);
	suite_add_tcase(s, tc);

	tc = tcase_create("man_page");
	tcase_add_test(tc, every_section_has_a_place_in_the_man_page);
	tcase_add_test(tc, man_page_documents_every_key_of_the_tables);
	tcase_add_test(tc, man_page_documents_no_key_the_tables_lack);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(config_keys_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
