/* test_search.c - smart-case search over the model: what matches (names,
 * exception types and messages, threads, programs), the order of
 * search_collect, and retired calls dropping out. */
#include <config.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "model_testutil.h"
#include "search.h"

/* process 10 "server": thread 11 "worker-1" runs handle_request ->
 * db_query (raises TimeoutError) and log_line; thread 12 unnamed runs
 * Parse_Config.  process 20 "client" runs main -> connect. */
static struct model *build(void)
{
	struct model *m = model_create(NULL);
	tu_hello(m, 1, 10, "server");
	tu_thread(m, 2, 10, 11, "worker-1");
	tu_enter(m, 10, 10, 11, 1, 0, "handle_request");
	tu_enter(m, 11, 10, 11, 2, 1, "db_query");
	tu_exception(m, 12, 10, 11, 3, 1, "db_query", "TimeoutError", "no answer in 200 ms");
	tu_exit(m, 13, 10, 11, 4, 1, "db_query", 2);
	tu_enter(m, 14, 10, 11, 5, 1, "log_line");
	tu_exit(m, 15, 10, 11, 6, 1, "log_line", 1);
	tu_exit(m, 16, 10, 11, 7, 0, "handle_request", 6);
	tu_enter(m, 17, 10, 12, 1, 0, "Parse_Config");
	tu_exit(m, 18, 10, 12, 2, 0, "Parse_Config", 1);
	tu_hello(m, 20, 20, "client");
	tu_enter(m, 21, 20, 21, 1, 0, "main");
	tu_enter(m, 22, 20, 21, 2, 1, "connect");
	return m;
}

static size_t collect(struct model *m, const char *q, enum model_view v, char labels[][128],
		      size_t max)
{
	struct search *s = search_create(q);
	assert_non_null(s);
	assert_string_equal(search_query(s), q);
	node_id ids[32];
	size_t n = search_collect(s, m, v, ids, 32);
	for (size_t i = 0; i < n && i < max; i++)
		model_node_label(m, model_find(m, ids[i]), labels[i], sizeof(labels[i]));
	search_free(s);
	return n;
}

static void test_function_names_smart_case(void **state)
{
	struct model *m = build();
	char l[8][128];
	assert_int_equal(collect(m, "query", VIEW_PATHS, l, 8), 1);
	assert_string_equal(l[0], "10/11/handle_request/db_query");
	/* lower-case query: case-insensitive */
	assert_int_equal(collect(m, "parse", VIEW_PATHS, l, 8), 1);
	assert_string_equal(l[0], "10/12/Parse_Config");
	/* an upper-case letter makes it case-sensitive */
	assert_int_equal(collect(m, "Parse", VIEW_PATHS, l, 8), 1);
	assert_int_equal(collect(m, "PARSE", VIEW_PATHS, l, 8), 0);
	model_free(m);
}

static void test_tree_order(void **state)
{
	struct model *m = build();
	char l[16][128];
	/* "e" is in program, thread and function names, pre-order */
	size_t n = collect(m, "e", VIEW_PATHS, l, 16);
	const char *want[] = {
		"10",                               /* server */
		"10/11",                            /* worker-1 */
		"10/11/handle_request",
		"10/11/handle_request/db_query",
		"10/11/handle_request/log_line",
		"10/12/Parse_Config",
		"20",                               /* client */
		"20/21/main/connect",
	};
	assert_int_equal(n, 8);
	for (size_t i = 0; i < 8; i++)
		assert_string_equal(l[i], want[i]);
	/* the total is counted even past the array's end */
	struct search *s = search_create("e");
	node_id one;
	assert_int_equal(search_collect(s, m, VIEW_PATHS, &one, 1), 8);
	assert_ptr_equal(model_find(m, one), model_first_child(m, VIEW_PATHS, NULL));
	search_free(s);
	/* the calls view has the same shape here, with call nodes */
	n = collect(m, "e", VIEW_CALLS, l, 16);
	assert_int_equal(n, 8);
	assert_string_equal(l[7], "20/21/main/connect@22");
	model_free(m);
}

static void test_exceptions_match(void **state)
{
	struct model *m = build();
	char l[8][128];
	/* type and message find the call and the path that raised them */
	assert_int_equal(collect(m, "timeout", VIEW_PATHS, l, 8), 1);
	assert_string_equal(l[0], "10/11/handle_request/db_query");
	assert_int_equal(collect(m, "200 ms", VIEW_CALLS, l, 8), 1);
	assert_string_equal(l[0], "10/11/handle_request/db_query@11");
	/* a new exception elsewhere is seen by the same search object */
	struct search *s = search_create("Overflow");
	node_id ids[4];
	assert_int_equal(search_collect(s, m, VIEW_CALLS, ids, 4), 0);
	tu_exception(m, 23, 20, 21, 3, 1, "connect", "OverflowError", "x");
	assert_int_equal(search_collect(s, m, VIEW_CALLS, ids, 4), 1);
	assert_int_equal(mnode_kind(model_find(m, ids[0])), MN_CALL);
	search_free(s);
	model_free(m);
}

/* One search object kept across a growing model and moved to another
 * model sees new functions and forgets the old model's. */
static void test_search_follows_model(void **state)
{
	struct model *m = build();
	struct search *s = search_create("fresh");
	node_id ids[4];
	assert_int_equal(search_collect(s, m, VIEW_PATHS, ids, 4), 0);
	tu_enter(m, 30, 20, 21, 3, 2, "fresh_fn");
	assert_int_equal(search_collect(s, m, VIEW_PATHS, ids, 4), 1);
	assert_int_equal(search_collect(s, m, VIEW_CALLS, ids, 4), 1);
	struct model *other = model_create(NULL);
	tu_enter(other, 1, 1, 1, 1, 0, "unrelated");
	tu_enter(other, 2, 1, 1, 2, 1, "fresh_too");
	tu_enter(other, 3, 1, 1, 3, 2, "fresh_fn");
	assert_int_equal(search_collect(s, other, VIEW_PATHS, ids, 4), 2);
	model_free(m);
	assert_int_equal(search_collect(s, other, VIEW_CALLS, ids, 4), 2);
	search_free(s);
	model_free(other);
}

static void test_find_in(void **state)
{
	struct search *s = search_create("abc");
	assert_int_equal(search_find_in(s, "xxABCxx"), 2);
	assert_int_equal(search_find_in(s, "ab"), -1);
	assert_int_equal(search_find_in(s, ""), -1);
	assert_int_equal(search_find_in(s, NULL), -1);
	search_free(s);
	s = search_create("aBc");
	assert_int_equal(search_find_in(s, "xxABCxx"), -1);
	assert_int_equal(search_find_in(s, "aBc"), 0);
	search_free(s);
	assert_null(search_create(""));
	assert_null(search_create(NULL));
	assert_int_equal(search_collect(NULL, NULL, VIEW_PATHS, NULL, 0), 0);
	assert_false(search_node_matches(NULL, NULL, NULL));
}

/* Smart case beyond ASCII: a lower-case query finds either case in any
 * script; an upper-case letter anywhere makes it exact.  Offsets are in
 * bytes. */
static void test_find_in_unicode(void **state)
{
	/* the case tables come from C.UTF-8 (libc-bin has it on Debian) */
	locale_t have = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (!have)
		skip();
	freelocale(have);
	struct search *s = search_create("\u00fcberlauf");           /* überlauf */
	assert_int_equal(search_find_in(s, "Stack\u00dcBERLAUF!"), 5);
	assert_int_equal(search_find_in(s, "x \u00fcberlauf"), 2);
	assert_int_equal(search_find_in(s, "uberlauf"), -1);
	search_free(s);
	s = search_create("\u00dcberlauf");                         /* Überlauf: exact */
	assert_int_equal(search_find_in(s, "\u00fcberlauf"), -1);
	assert_int_equal(search_find_in(s, "a \u00dcberlauf"), 2);
	search_free(s);
	/* Greek and Cyrillic, mixed with ASCII */
	s = search_create("\u03c3\u03c6\u03ac\u03bb\u03bc\u03b1 io");  /* σφάλμα io */
	assert_int_equal(search_find_in(s, "\u03a3\u03a6\u0386\u039b\u039c\u0391 IO"), 0);
	search_free(s);
	s = search_create("\u043e\u0448\u0438\u0431\u043a\u0430");     /* ошибка */
	assert_int_equal(search_find_in(s, "E: \u041e\u0428\u0418\u0411\u041a\u0410"), 3);
	/* invalid UTF-8 around and inside: no crash, no false match */
	assert_int_equal(search_find_in(s, "\xd0\xd0\xbe\xff\xd1"), -1);
	assert_int_equal(search_find_in(s, "\xff\xc0\x80\u041e\u0428\u0418\u0411\u041a\u0410"), 3);
	assert_int_equal(search_find_in(s, "\u043e\u0448\u0438\u0431\u043a"), -1);  /* cut short */
	search_free(s);
	/* a pair whose cases differ in length compares as it is: U+1E9E
	 * (3 bytes) is not folded to U+00DF (2 bytes) */
	s = search_create("stra\u00dfe");
	assert_int_equal(search_find_in(s, "STRA\u1e9eE"), -1);
	assert_int_equal(search_find_in(s, "Stra\u00dfe"), 0);
	search_free(s);
}

static void test_retired_calls_not_found(void **state)
{
	struct model_config cfg = { .max_calls = 10 };
	struct model *m = model_create(&cfg);
	tu_enter(m, 1, 1, 1, 1, 0, "needle");
	tu_exit(m, 2, 1, 1, 2, 0, "needle", 1);
	for (int i = 0; i < 100; i++) {
		tu_enter(m, 10 + 2 * i, 1, 1, 3 + 2 * (uint64_t)i, 0, "hay");
		tu_exit(m, 11 + 2 * i, 1, 1, 4 + 2 * (uint64_t)i, 0, "hay", 1);
	}
	struct search *s = search_create("needle");
	node_id ids[4];
	assert_int_equal(search_collect(s, m, VIEW_CALLS, ids, 4), 0);
	assert_int_equal(search_collect(s, m, VIEW_PATHS, ids, 4), 1);
	search_free(s);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_function_names_smart_case),
		cmocka_unit_test(test_tree_order),
		cmocka_unit_test(test_exceptions_match),
		cmocka_unit_test(test_search_follows_model),
		cmocka_unit_test(test_find_in),
		cmocka_unit_test(test_find_in_unicode),
		cmocka_unit_test(test_retired_calls_not_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
