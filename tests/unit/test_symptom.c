/*
 * test_symptom.c - the symptom catalogue (analyzer/detect/symptom.h) and
 * the places that must list every row of it: ids and badges unique and
 * well formed, lookups, the man pages (sipalg-analyze.1 describes every
 * id, sipalg-browse.1 gives every badge with its id) and
 * `sipalg-analyze --help`, which is generated from the table.
 *
 * The man pages are read from $top_srcdir and the program run from
 * $top_builddir (make check sets both; by hand they default to the
 * source tree's parent of tests/ and the current directory).
 */
#include <CUnit/Basic.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/symptom.h"

static const char *
dir_of(const char *var, const char *dflt)
{
	const char *v = getenv(var);

	return v != NULL && v[0] != '\0' ? v : dflt;
}

/* Reads a whole stream into a NUL-terminated buffer (caller frees). */
static char *
slurp(FILE *f)
{
	size_t n = 0, cap = 8192;
	char *s = malloc(cap);

	if (s == NULL)
		return NULL;
	for (;;) {
		size_t r = fread(s + n, 1, cap - n - 1, f);

		n += r;
		if (r == 0)
			break;
		if (n + 1 == cap) {
			char *t = realloc(s, cap * 2);

			if (t == NULL) {
				free(s);
				return NULL;
			}
			s = t;
			cap *= 2;
		}
	}
	s[n] = '\0';
	return s;
}

static char *
read_man(const char *page)
{
	char path[1024];
	FILE *f;
	char *s;

	snprintf(path, sizeof(path), "%s/man/%s",
	    dir_of("top_srcdir", ".."), page);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	s = slurp(f);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	return s;
}

static bool
idch(char c)
{
	return islower((unsigned char)c) || isdigit((unsigned char)c) ||
	    c == '_';
}

/* True when word occurs in s on its own (not inside a longer id). */
static bool
has_word(const char *s, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = strstr(s, word); p != NULL; p = strstr(p + 1, word))
		if ((p == s || !idch(p[-1])) && !idch(p[n]))
			return true;
	return false;
}

/* Collapses roff line breaks so "BADGE\nid" reads as "BADGE id". */
static void
unwrap(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\n')
			*s = ' ';
}

static void
test_table(void)
{
	for (int i = 0; i < SYMPTOM_COUNT; i++) {
		const char *id = symptom_name((enum symptom_id)i);
		const char *badge = symptom_badge((enum symptom_id)i);

		CU_ASSERT(strlen(id) > 0 && strlen(id) <= SYMPTOM_ID_MAX);
		for (const char *p = id; *p != '\0'; p++)
			CU_ASSERT(idch(*p));
		CU_ASSERT(strlen(badge) > 0 && strlen(badge) <= SYMPTOM_BADGE_MAX);
		for (const char *p = badge; *p != '\0'; p++)
			CU_ASSERT(isupper((unsigned char)*p) ||
			    isdigit((unsigned char)*p));
		CU_ASSERT(strlen(symptom_title((enum symptom_id)i)) > 0);
		CU_ASSERT_EQUAL(symptom_lookup(id), i);
		for (int k = 0; k < i; k++) {
			CU_ASSERT_STRING_NOT_EQUAL(id,
			    symptom_name((enum symptom_id)k));
			CU_ASSERT_STRING_NOT_EQUAL(badge,
			    symptom_badge((enum symptom_id)k));
		}
	}
	CU_ASSERT_STRING_EQUAL(symptom_name(SYMPTOM_ONE_WAY_AUDIO),
	    "one_way_audio");
	CU_ASSERT_STRING_EQUAL(symptom_badge(SYMPTOM_ONE_WAY_AUDIO), "1WAY");
	CU_ASSERT_STRING_EQUAL(symptom_name(SYMPTOM_COUNT), "unknown");
	CU_ASSERT_STRING_EQUAL(symptom_badge(SYMPTOM_COUNT), "?");
	CU_ASSERT_STRING_EQUAL(symptom_title(SYMPTOM_COUNT), "");
	CU_ASSERT_EQUAL(symptom_lookup("one_way"), -1);
	CU_ASSERT_EQUAL(symptom_lookup("ONE_WAY_AUDIO"), -1);
	CU_ASSERT_EQUAL(symptom_lookup(NULL), -1);
}

static void
test_man_analyze(void)
{
	char *man = read_man("sipalg-analyze.1");

	for (int i = 0; i < SYMPTOM_COUNT; i++) {
		const char *id = symptom_name((enum symptom_id)i);

		if (!has_word(man, id))
			fprintf(stderr, "sipalg-analyze.1 does not describe %s\n",
			    id);
		CU_ASSERT(has_word(man, id));
	}
	free(man);
}

static void
test_man_browse(void)
{
	char *man = read_man("sipalg-browse.1");

	unwrap(man);
	for (int i = 0; i < SYMPTOM_COUNT; i++) {
		char pair[64];

		snprintf(pair, sizeof(pair), "%s %s",
		    symptom_badge((enum symptom_id)i),
		    symptom_name((enum symptom_id)i));
		if (strstr(man, pair) == NULL)
			fprintf(stderr, "sipalg-browse.1 lacks the badge '%s'\n",
			    pair);
		CU_ASSERT_PTR_NOT_NULL(strstr(man, pair));
	}
	free(man);
}

static void
test_help(void)
{
	char cmd[1100];
	FILE *p;
	char *out;

	snprintf(cmd, sizeof(cmd), "'%s/sipalg-analyze' --help",
	    dir_of("top_builddir", "."));
	p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	out = slurp(p);
	CU_ASSERT_EQUAL(pclose(p), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Symptom ids: "));
	for (int i = 0; i < SYMPTOM_COUNT; i++)
		CU_ASSERT(has_word(out, symptom_name((enum symptom_id)i)));
	free(out);
}

int
main(void)
{
	CU_pSuite s;
	unsigned nf;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("symptom", NULL, NULL);
	if (s == NULL ||
	    !CU_add_test(s, "catalogue rows", test_table) ||
	    !CU_add_test(s, "sipalg-analyze.1 lists every id", test_man_analyze) ||
	    !CU_add_test(s, "sipalg-browse.1 lists every badge", test_man_browse) ||
	    !CU_add_test(s, "--help lists every id", test_help)) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	nf = CU_get_number_of_failures();
	CU_cleanup_registry();
	return nf != 0;
}
