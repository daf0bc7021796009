/* test_keep.c - the lines kept for the save and export keys (tui/keep.c):
 * every valid line in order, the bound and what it lets go, the files
 * created without overwriting or following anything, and the ingest
 * keeping exactly the valid lines it took. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ingest.h"
#include "keep.h"
#include "model.h"

/* Everything fd holds (from offset 0), NUL-terminated; free it. */
static char *slurp(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *s = malloc(cap);
	ssize_t r;

	assert_non_null(s);
	while ((r = pread(fd, s + n, cap - n - 1, (off_t)n)) > 0) {
		n += (size_t)r;
		if (cap - n < 2) {
			cap *= 2;
			s = realloc(s, cap);
			assert_non_null(s);
		}
	}
	s[n] = 0;
	*len = n;
	return s;
}

static void test_keeps_every_line_in_order(void **state)
{
	char err[256];
	struct keep *k = keep_create(1 << 20, err, sizeof err);
	struct keep_info ki;
	char line[64], expect[64 * 1000];
	size_t elen = 0, len;

	(void)state;
	assert_non_null(k);
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(line, sizeof line, "{\"ev\":\"enter\",\"seq\":%d}", i);
		keep_line(k, line, (size_t)n);
		memcpy(expect + elen, line, (size_t)n);
		elen += (size_t)n;
		expect[elen++] = '\n';
	}
	keep_get_info(k, &ki);
	assert_int_equal(ki.lines, 1000);
	assert_int_equal(ki.lines_lost, 0);
	assert_int_equal(ki.bytes, elen);
	assert_null(ki.error);
	int fd = keep_temp_file(err, sizeof err);
	assert_true(fd >= 0);
	assert_true(keep_copy_to(k, fd, err, sizeof err));
	char *got = slurp(fd, &len);
	assert_int_equal(len, elen);
	assert_memory_equal(got, expect, elen);
	free(got);
	/* more lines after a copy go on where they were */
	keep_line(k, "last", 4);
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_true(keep_copy_to(k, fd, err, sizeof err));
	got = slurp(fd, &len);
	assert_int_equal(len, elen + 5);
	assert_memory_equal(got + elen, "last\n", 5);
	free(got);
	close(fd);
	keep_free(k);
}

/* 1000 bytes: segments of 500.  The lines kept are the newest, whole,
 * in order; those let go are counted; kept + let go = written. */
static void test_bound_lets_oldest_go(void **state)
{
	char err[256], line[32];
	struct keep *k = keep_create(1000, err, sizeof err);
	struct keep_info ki;
	size_t len;

	(void)state;
	assert_non_null(k);
	for (int i = 0; i < 300; i++) {
		int n = snprintf(line, sizeof line, "line %04d ..........", i);   /* 20 + newline */
		keep_line(k, line, (size_t)n);
	}
	keep_get_info(k, &ki);
	assert_int_equal(ki.lines + ki.lines_lost, 300);
	assert_true(ki.lines_lost > 0);
	assert_true(ki.bytes <= 1000);
	assert_true(ki.lines >= 500 / 21);   /* at least a segment's worth */
	int fd = keep_temp_file(err, sizeof err);
	assert_true(fd >= 0);
	assert_true(keep_copy_to(k, fd, err, sizeof err));
	char *got = slurp(fd, &len);
	assert_int_equal(len, ki.bytes);
	assert_int_equal(len, ki.lines * 21);
	for (uint64_t i = 0; i < ki.lines; i++) {
		snprintf(line, sizeof line, "line %04d ..........\n", (int)(ki.lines_lost + i));
		assert_memory_equal(got + i * 21, line, 21);
	}
	free(got);
	close(fd);
	keep_free(k);
}

static void test_output_files_created_safely(void **state)
{
	char dir[] = "/tmp/pt-keep-XXXXXX", cwd[4096], err[1200], path[256], path2[256];
	int fd, fd2;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(dir), 0);
	/* a planted link is not followed, an existing file not overwritten */
	assert_int_equal(symlink("/tmp/pt-keep-target-never", "planted.json"), 0);
	assert_int_equal(keep_create_named("planted.json", err, sizeof err), -1);
	assert_non_null(strstr(err, "not overwritten"));
	struct stat sb;
	assert_int_equal(stat("/tmp/pt-keep-target-never", &sb), -1);
	/* two saves in the same second get two names; mode 0600 */
	fd = keep_create_output("pipetrace", ".jsonl", path, sizeof path, err, sizeof err);
	fd2 = keep_create_output("pipetrace", ".jsonl", path2, sizeof path2, err, sizeof err);
	assert_true(fd >= 0 && fd2 >= 0);
	assert_string_not_equal(path, path2);
	assert_int_equal(strncmp(path, "pipetrace-", 10), 0);
	assert_int_equal(fstat(fd, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	close(fd);
	close(fd2);
	unlink(path);
	unlink(path2);
	unlink("planted.json");
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* Through the ingest: the valid lines, as received; bad ones left out. */
static void test_ingest_keeps_valid_lines(void **state)
{
	static const char valid[] =
		"{\"ev\":\"hello\",\"ts\":1,\"pid\":7,\"v\":1,\"ppid\":1,\"prog\":\"p\",\"wall\":0,\"lib\":\"x\"}\n"
		"{\"ev\":\"enter\",\"ts\":2,\"pid\":7,\"tid\":7,\"seq\":1,\"depth\":0,\"fn\":\"f\"}\n"
		"{\"ev\":\"exit\",\"ts\":9,\"pid\":7,\"tid\":7,\"seq\":2,\"depth\":0,\"fn\":\"f\",\"dur\":7}\n";
	char path[] = "/tmp/pt-keep-rec-XXXXXX", err[256];
	int fd = mkstemp(path);
	size_t len;

	(void)state;
	assert_true(fd >= 0);
	/* a bad line after the first valid one */
	size_t first = (size_t)(strchr(valid, '\n') - valid) + 1;
	assert_int_equal(write(fd, valid, first), (ssize_t)first);
	assert_int_equal(write(fd, "not json\n", 9), 9);
	assert_int_equal(write(fd, valid + first, sizeof valid - 1 - first), (ssize_t)(sizeof valid - 1 - first));
	close(fd);
	struct model *m = model_create(NULL);
	struct ingest_config ic = { .replay_path = path, .keep_max = 1 << 20 };
	struct ingest *ing = ingest_create(&ic, m, err, sizeof err);
	assert_non_null(ing);
	while (!ingest_get_status(ing)->input_ended)
		ingest_step(ing, 100);
	assert_int_equal(ingest_get_status(ing)->bad_lines, 1);
	struct keep *k = ingest_keep(ing, NULL);
	assert_non_null(k);
	int out = keep_temp_file(err, sizeof err);
	assert_true(keep_copy_to(k, out, err, sizeof err));
	char *got = slurp(out, &len);
	assert_string_equal(got, valid);
	free(got);
	close(out);
	ingest_free(ing);
	/* not asked for: none */
	ic.keep_max = 0;
	ing = ingest_create(&ic, m, err, sizeof err);
	assert_non_null(ing);
	assert_null(ingest_keep(ing, NULL));
	ingest_free(ing);
	model_free(m);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keeps_every_line_in_order),
		cmocka_unit_test(test_bound_lets_oldest_go),
		cmocka_unit_test(test_output_files_created_safely),
		cmocka_unit_test(test_ingest_keeps_valid_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
