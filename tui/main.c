/* main.c - pipetrace-tui's command line: picks the source (FIFO, traced
 * command, recording), builds the model and the ingest, then runs the
 * full-screen interface or the plain-text mode. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "export.h"
#include "ingest.h"
#include "keep.h"
#include "model.h"
#include "plain.h"
#include "ui.h"

static volatile sig_atomic_t stop_requested;

enum { OPT_KEEP_MAX = 1000, OPT_KEEP_ENDED };   /* long options without a short one */

static void usage(FILE *f)
{
	fprintf(f, "Usage: pipetrace-tui [OPTION]...                 listen on the default FIFO\n"
	      "       pipetrace-tui [OPTION]... --fifo PATH     listen on PATH\n"
	      "       pipetrace-tui [OPTION]... -- CMD [ARG]... run CMD and trace it\n"
	      "       pipetrace-tui [OPTION]... --replay FILE   show a recording\n"
	      "\n"
	      "Shows function calls traced by libpipetrace, live: call trees per thread,\n"
	      "duration histograms, exceptions.\n"
	      "\n"
	      "Options:\n"
	      "  -f, --fifo PATH      listen on PATH (created 0600 if missing) instead of\n"
	      "                       $PIPETRACE_FIFO, $XDG_RUNTIME_DIR/pipetrace.fifo or\n"
	      "                       /tmp/pipetrace-$UID/pipetrace.fifo\n"
	      "  -r, --record FILE    also write every valid event line to FILE\n"
	      "  -R, --replay FILE    read the event lines of FILE instead of listening\n"
	      "  -l, --log FILE       with -- CMD: write CMD's output to FILE and keep it\n"
	      "                       (default: a private file, shown in the full screen\n"
	      "                       with o, printed at the end in plain mode, removed)\n"
	      "  -e, --export FORMAT:FILE\n"
	      "                       also write the trace to FILE for other tools, at\n"
	      "                       the end of input or on quit: chrome (Chrome trace\n"
	      "                       JSON, for Perfetto, chrome://tracing, speedscope)\n"
	      "                       or collapsed (stacks with self ns, flamegraph.pl);\n"
	      "                       once per format\n"
	      "      --keep-max MIB   full screen: keep the event lines received in\n"
	      "                       private temporary files of at most MIB MiB in all,\n"
	      "                       for the save (S) and export (X) keys (past half of\n"
	      "                       it the oldest are let go, and counted); 0: none;\n"
	      "                       default %u\n"
	      "      --keep-ended N   full screen: keep at most N ended processes, those\n"
	      "                       that ended last; older ones are cleared from the\n"
	      "                       model (their memory freed), as with the keys F c\n"
	      "  -n, --max-calls N    keep at most N individual calls in memory (older\n"
	      "                       ones stay counted in the merged view); default %u\n"
	      "  -p, --plain          print one text line per event instead of the full\n"
	      "                       screen (the default when stdout is not a terminal)\n"
	      "  -s, --summary        print a per-function table (calls, total, self, avg,\n"
	      "                       p99, max, exceptions) at the end of input or on\n"
	      "                       Ctrl-C; implies --plain\n"
	      "  -q, --quiet          no line per event, only notes (and the summary);\n"
	      "                       implies --plain\n"
	      "      --no-mouse       in the full screen, leave the mouse to the terminal\n"
	      "                       (by default a click selects, the wheel scrolls, and\n"
	      "                       selecting text wants Shift)\n"
	      "  -V, --version        print the version and exit\n"
	      "  -h, --help           print this help and exit\n"
	      "\n"
	      "With -- CMD, the command's output goes to a log file (not the terminal),\n"
	      "and in plain mode pipetrace-tui ends when CMD has exited and its events\n"
	      "are read, with CMD's exit status; processes CMD left running are read\n"
	      "while they run and write (up to 2 s without events).  There CMD may read\n"
	      "our stdin (in the full screen it reads /dev/null).  A CMD that cannot be\n"
	      "run gives 127 (not found) or 126; a --replay FILE without a valid event, 1.\n"
	      "In the full screen, press ? for the keys, q to quit.\n",
	      (unsigned)(KEEP_DEFAULT_MAX >> 20), MODEL_DEFAULT_MAX_CALLS);
}

static void on_stop(int sig)
{
	(void)sig;
	if (stop_requested) {
		/* Second signal: the loop did not get round to it; leave now. */
		ingest_cleanup_signal_safe();
		_exit(130);
	}
	stop_requested = 1;
}

static void on_fatal(int sig)
{
	ingest_cleanup_signal_safe();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void dump_log(const char *path)
{
	FILE *f = path ? fopen(path, "re") : NULL;
	char buf[65536];
	size_t n;
	bool first = true;

	if (!f)
		return;
	fflush(stdout);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		if (first)
			fputs("pipetrace-tui: the traced command's output follows\n", stderr);
		first = false;
		fwrite(buf, 1, n, stderr);
	}
	fclose(f);
}

/* A string from the command line, the environment or a path, as safe to
 * print as anything from the trace: it may hold control characters (an
 * argument like $'\e]0;x\a' would retitle the terminal). */
static const char *shown(char *buf, size_t size, const char *s, bool utf8)
{
	event_safe_text(buf, size, s, strlen(s), utf8);
	return buf;
}

/* getopt's own messages print the offending word raw: say it ourselves. */
static void bad_option(int c, char **argv, const struct option *longopts, bool utf8)
{
	char word[64], sbuf[4 * sizeof word];
	const char *what = c == ':' ? "wants an argument" : "is not known";
	const char *last = argv[optind - 1];

	/* an option lacking its argument ends the command line; an unknown
	 * short one may sit inside a group (-pX) */
	snprintf(word, sizeof word, "%.60s", last);
	if (c != ':' && optopt > 0 && optopt < 256) {
		snprintf(word, sizeof word, "-%c", optopt);
		/* --plain=x: a known long option given an argument */
		size_t n = strcspn(last, "=");
		for (const struct option *o = longopts; o->name; o++)
			if (o->val == optopt && last[0] == '-' && last[1] == '-' && last[n] &&
			    n > 2 && !strncmp(o->name, last + 2, n - 2)) {
				snprintf(word, sizeof word, "--%s", o->name);
				what = "takes no argument";
			}
	}
	fprintf(stderr, "pipetrace-tui: option '%s' %s\n", shown(sbuf, sizeof sbuf, word, utf8),
		what);
}

static bool parse_count(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	if (!s || *s < '0' || *s > '9')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v == 0)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "fifo", required_argument, NULL, 'f' },
		{ "record", required_argument, NULL, 'r' },
		{ "replay", required_argument, NULL, 'R' },
		{ "log", required_argument, NULL, 'l' },
		{ "max-calls", required_argument, NULL, 'n' },
		{ "export", required_argument, NULL, 'e' },
		{ "keep-max", required_argument, NULL, OPT_KEEP_MAX },
		{ "keep-ended", required_argument, NULL, OPT_KEEP_ENDED },
		{ "plain", no_argument, NULL, 'p' },
		{ "summary", no_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-mouse", no_argument, NULL, 'M' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ingest_config icfg = { 0 };
	struct model_config mcfg = { 0 };
	bool plain = false, summary = false, quiet = false;
	uint64_t keep_mib = KEEP_DEFAULT_MAX >> 20;
	int c;
	const char *specs[3];
	size_t nspecs = 0;
	char xerr[1200];

	setlocale(LC_ALL, "");
	const char *cs = nl_langinfo(CODESET);
	bool utf8 = cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
	/* Paths and messages holding them, escaped for printing. */
	char sbuf[4 * 4200 + 8];

	opterr = 0;
	/* "+": stop at the first non-option, which starts the command;
	 * ":": a missing argument is told apart from an unknown option. */
	while ((c = getopt_long(argc, argv, "+:f:r:R:l:n:e:psqVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': icfg.fifo_path = optarg; break;
		case 'r': icfg.record_path = optarg; break;
		case 'R': icfg.replay_path = optarg; break;
		case 'l': icfg.child_log_path = optarg; break;
		case 'n':
			if (!parse_count(optarg, &mcfg.max_calls)) {
				fprintf(stderr, "pipetrace-tui: --max-calls wants a positive number, not '%s'\n",
					shown(sbuf, sizeof sbuf, optarg, utf8));
				return 2;
			}
			break;
		case 'e':
			if (nspecs == 2) {
				fputs("pipetrace-tui: --export is given once per format\n", stderr);
				return 2;
			}
			specs[nspecs++] = optarg;
			break;
		case OPT_KEEP_MAX:
			/* 0 is allowed: nothing kept */
			if (!parse_count(optarg, &keep_mib) && strcmp(optarg, "0")) {
				fprintf(stderr, "pipetrace-tui: --keep-max wants a number of MiB, not '%s'\n",
					shown(sbuf, sizeof sbuf, optarg, utf8));
				return 2;
			}
			if (!strcmp(optarg, "0"))
				keep_mib = 0;
			if (keep_mib > (UINT64_MAX >> 21)) {
				fputs("pipetrace-tui: --keep-max is too large\n", stderr);
				return 2;
			}
			break;
		case OPT_KEEP_ENDED: {
			uint64_t n = 0;
			if ((!parse_count(optarg, &n) && strcmp(optarg, "0")) || n > 1000000000) {
				fprintf(stderr, "pipetrace-tui: --keep-ended wants a number of processes, not '%s'\n",
					shown(sbuf, sizeof sbuf, optarg, utf8));
				return 2;
			}
			ui_set_keep_ended((long)n);
			break;
		}
		case 'p': plain = true; break;
		case 's': summary = true; break;
		case 'q': quiet = true; break;
		case 'M': ui_set_mouse(false); break;
		case 'V':
			printf("pipetrace-tui %s (wire protocol v1)\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			bad_option(c, argv, longopts, utf8);
			fputs("Try 'pipetrace-tui --help' for more information.\n", stderr);
			return 2;
		}
	}
	if (optind < argc)
		icfg.cmd = argv + optind;
	int sources = !!icfg.fifo_path + !!icfg.replay_path + !!icfg.cmd;
	if (sources > 1) {
		fputs("pipetrace-tui: choose one of --fifo, --replay and -- CMD\n", stderr);
		return 2;
	}
	if (icfg.child_log_path && !icfg.cmd) {
		fputs("pipetrace-tui: --log is for the output of -- CMD\n", stderr);
		return 2;
	}
	if (icfg.replay_path && icfg.record_path) {
		fputs("pipetrace-tui: --record with --replay would only copy the file\n", stderr);
		return 2;
	}
	if (!isatty(STDOUT_FILENO) || summary || quiet)
		plain = true;

	/* Plain mode leaves the terminal alone: the command may read it. */
	icfg.cmd_stdin = plain;
	/* Plain mode has to end by itself: a background process the command
	 * left behind holds the end only while events keep coming (or for
	 * 2 s).  The full screen reads as long as anything may still write. */
	icfg.cmd_quiet_end_ms = plain ? 2000 : 0;
	/* the save and export keys are the full screen's */
	icfg.keep_max = plain ? 0 : keep_mib << 20;

	struct export *ex = export_create();
	for (size_t i = 0; ex && i < nspecs; i++)
		if (!export_add_spec(ex, specs[i], xerr, sizeof xerr)) {
			fprintf(stderr, "pipetrace-tui: %s\n", shown(sbuf, sizeof sbuf, xerr, utf8));
			export_free(ex);
			return 2;
		}
	const char *clash = NULL;
	if (ex && ((clash = export_clash(ex, icfg.replay_path)) ||
		   (clash = export_clash(ex, icfg.record_path)))) {
		fprintf(stderr, "pipetrace-tui: --export would overwrite %s\n",
			shown(sbuf, sizeof sbuf, clash, utf8));
		export_free(ex);
		return 2;
	}
	struct model *m = ex ? model_create(&mcfg) : NULL;
	if (!m) {
		export_free(ex);
		fputs("pipetrace-tui: out of memory\n", stderr);
		return 1;
	}
	/* Before the FIFO exists, so that no signal can leave it behind. */
	install(plain ? on_stop : on_fatal);
	signal(SIGPIPE, SIG_IGN);

	char err[1024];
	struct ingest *ing = ingest_create(&icfg, m, err, sizeof err);
	if (!ing) {
		/* a command that cannot be run: 127 when it is not found, 126
		 * when it cannot be executed, as env(1), timeout(1) and shells */
		int e = errno;
		fprintf(stderr, "pipetrace-tui: %s\n", shown(sbuf, sizeof sbuf, err, utf8));
		model_free(m);
		export_free(ex);
		if (icfg.cmd && e)
			return e == ENOENT ? 127 : 126;
		return 1;
	}
	if (export_active(ex)) {
		if (!export_open(ex, xerr, sizeof xerr)) {
			fprintf(stderr, "pipetrace-tui: %s\n", shown(sbuf, sizeof sbuf, xerr, utf8));
			ingest_free(ing);
			model_free(m);
			export_free(ex);
			return 1;
		}
		ingest_set_tap(ing, export_event, ex);
	}
	const char *warning = ingest_get_status(ing)->fifo_warning;
	if (warning)
		fprintf(stderr, "pipetrace-tui: warning: %s\n", shown(sbuf, sizeof sbuf, warning, utf8));
	int status;
	if (plain) {
		struct plain_opts po = {
			.summary = summary,
			.quiet = quiet,
			.utf8 = utf8,
			.stop = &stop_requested,
		};
		if (!icfg.replay_path && !icfg.cmd && !quiet)
			fprintf(stderr, "pipetrace-tui: listening on %s (Ctrl-C to stop)\n",
				shown(sbuf, sizeof sbuf, ingest_get_status(ing)->source, utf8));
		status = plain_run(ing, m, &po, stdout);
	} else {
		/* From the background of a shell (pipetrace-tui &) the shell
		 * stops us as soon as curses touches the terminal: say why
		 * first, or the user sees only "Stopped". */
		pid_t fg = tcgetpgrp(STDIN_FILENO);
		if (fg > 0 && fg != getpgrp())
			fputs("pipetrace-tui: started in the background: the full screen needs the "
			      "terminal (bring it back with fg, or use --plain)\n", stderr);
		status = ui_run(ing, m);
	}
	/* In plain mode the command's output, held back so as not to mix
	 * with the trace, comes after it (the private log is then removed). */
	if (plain && icfg.cmd && !icfg.child_log_path)
		dump_log(ingest_get_status(ing)->child_log);
	else if (!plain && icfg.cmd && icfg.child_log_path)
		fprintf(stderr, "pipetrace-tui: the command's output is in %s\n",
			shown(sbuf, sizeof sbuf, icfg.child_log_path, utf8));
	/* A recording without a single valid event is not one: say why (the
	 * screen said it too, in the empty tree) and fail. */
	char note[2048];
	if (icfg.replay_path && ingest_no_events_note(ing, note, sizeof note)) {
		fprintf(stderr, "pipetrace-tui: %s\n", shown(sbuf, sizeof sbuf, note, utf8));
		if (!status)
			status = 1;
	}
	if (export_active(ex) && !export_finish(ex, m, xerr, sizeof xerr)) {
		fprintf(stderr, "pipetrace-tui: export: %s\n", shown(sbuf, sizeof sbuf, xerr, utf8));
		if (!status)
			status = 1;
	}
	export_free(ex);
	ingest_free(ing);
	model_free(m);
	return status;
}
