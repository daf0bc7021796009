/* signals.c - fatal signals: an `exception` event with the signal's name and
 * the stack of open calls, then death exactly as without the library.
 *
 * The handler is async-signal-safe: it formats into a stack buffer with the
 * pure encoders of encode.c, names addresses only from the lock-free symbol
 * cache (raw hex otherwise), and writes with one write(2).  It runs on an
 * alternate stack, so a stack overflow is reported too.  Afterwards the
 * program's previous disposition is restored and the signal raised again.
 */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static const struct {
	int sig;
	const char *name;
	const char *what;
} ptp_fatal[] = {
	{ SIGSEGV, "SIGSEGV", "segmentation fault" },
	{ SIGBUS, "SIGBUS", "bus error" },
	{ SIGFPE, "SIGFPE", "floating-point exception" },
	{ SIGILL, "SIGILL", "illegal instruction" },
	{ SIGABRT, "SIGABRT", "aborted" },
};
#define PTP_NFATAL (sizeof ptp_fatal / sizeof ptp_fatal[0])

static struct sigaction ptp_old[PTP_NFATAL];   /* the program's dispositions */
static _Atomic int ptp_installed;
static _Atomic int ptp_reporting;               /* one report per process */
static pthread_mutex_t ptp_install_lock = PTHREAD_MUTEX_INITIALIZER;

#define PTP_ALTSTACK_SIZE (64 * 1024)

void ptp_signals_thread_init(struct ptp_thread *t)
{
	stack_t ss, old;

	if (!atomic_load(&ptp_installed) || t->altstack)
		return;
	if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE))
		return;         /* the program has its own */
	ss.ss_sp = malloc(PTP_ALTSTACK_SIZE);
	ss.ss_size = PTP_ALTSTACK_SIZE;
	ss.ss_flags = 0;
	if (!ss.ss_sp)
		return;
	if (sigaltstack(&ss, NULL) != 0) {
		free(ss.ss_sp);
		return;
	}
	t->altstack = ss.ss_sp;
}

void ptp_signals_thread_exit(struct ptp_thread *t)
{
	stack_t ss = { .ss_flags = SS_DISABLE };

	if (!t->altstack)
		return;
	sigaltstack(&ss, NULL);
	free(t->altstack);
	t->altstack = NULL;
}

/* The quoted name of an open call, into at most cap bytes (cap >= 24).
 * An address is named only from the symbol cache, whose names were found
 * (and C++ ones demangled) by the consumer earlier: resolving or demangling
 * here would allocate.  Not yet cached: its hex address. */
static size_t ptp_open_name(char *p, size_t cap, uintptr_t ref, int is_addr)
{
	const char *name;
	size_t len;

	if (!ref)
		return ptp_json_str(p, cap, "?", 1);
	if (!is_addr) {
		name = ((const pt_site_t *)ref)->fn;
		if (!name)
			name = "?";
		return ptp_json_str(p, cap, name, strlen(name));
	}
	name = ptp_sym_cached_name(ref, &len);
	if (name && len <= cap) {
		memcpy(p, name, len);
		return len;
	}
	char *q = p;
	*q++ = '"';
	q = ptp_hex_addr(q, ref);
	*q++ = '"';
	return (size_t)(q - p);
}

static size_t ptp_format_crash(char *buf, struct ptp_thread *t, int i,
			       const siginfo_t *si)
{
	char *p = buf, *end = buf + PTP_LINE_MAX - 8;   /* room for `"]}\n` */
	uint32_t cap = t->stack_cap, shown = t->depth < cap ? t->depth : cap;
	const struct ptp_open *stack = t->stack;
	uint32_t depth, in;

	/* Crashed in a call PIPETRACE_DEPTH or _FILTER leaves out: the event
	 * belongs to the innermost traced call; "stack" still names every
	 * open call. */
	in = ptp_innermost_traced(t, &depth);

	p = PTP_PUT_U64(p, "{\"ev\":\"exception\",\"ts\":", ptp_mono_ns());
	p = PTP_PUTS(p, ",\"pid\":");
	p = ptp_fmt_i64(p, ptp_g.pid);
	p = PTP_PUTS(p, ",\"tid\":");
	p = ptp_fmt_i64(p, t->tid);
	p = PTP_PUT_U64(p, ",\"seq\":", (uint64_t)t->seq + 1);
	p = PTP_PUT_U64(p, ",\"depth\":", depth);
	p = PTP_PUTS(p, ",\"fn\":");
	/* Names get the room they have on enter lines (PTP_NAME_MAX), so that
	 * a cached name - a long demangled C++ one too - is shown as it was
	 * there rather than as an address. */
	if (in != UINT32_MAX)
		p += ptp_open_name(p, PTP_NAME_MAX, stack[in].ref,
				   (int)(stack[in].ts_kind & 1));
	else
		p = PTP_PUTS(p, "\"?\"");
	p = PTP_PUTS(p, ",\"type\":\"");
	p = ptp_put(p, ptp_fatal[i].name, strlen(ptp_fatal[i].name));
	p = PTP_PUTS(p, "\",\"msg\":\"");
	p = ptp_put(p, ptp_fatal[i].what, strlen(ptp_fatal[i].what));
	if (ptp_fatal[i].sig == SIGSEGV || ptp_fatal[i].sig == SIGBUS) {
		p = PTP_PUTS(p, " at ");
		p = ptp_hex_addr(p, (uintptr_t)si->si_addr);
	}
	p = PTP_PUTS(p, "\",\"signal\":");
	p = ptp_fmt_i64(p, ptp_fatal[i].sig);
	p = PTP_PUTS(p, ",\"stack\":[");
	for (uint32_t k = 0; k < shown; k++) {
		char name[PTP_NAME_MAX];
		size_t n = ptp_open_name(name, sizeof name, stack[k].ref,
					 (int)(stack[k].ts_kind & 1));

		if ((size_t)(end - p) < n + 1 + 8) {
			/* Out of room: mark the cut. */
			if (k)
				*p++ = ',';
			p = PTP_PUTS(p, "\"\xe2\x80\xa6\"");
			break;
		}
		if (k)
			*p++ = ',';
		p = ptp_put(p, name, n);
	}
	p = PTP_PUTS(p, "]}\n");
	return (size_t)(p - buf);
}

static void ptp_on_fatal(int sig, siginfo_t *si, void *uc)
{
	int saved = errno, i;
	struct ptp_thread *t = ptp_thread_self();

	for (i = 0; i < (int)PTP_NFATAL - 1 && ptp_fatal[i].sig != sig; i++)
		;
	if (t && !(t->flags & PTP_F_OFF) && atomic_load(&ptp_g.state) == PTP_ON &&
	    !atomic_exchange(&ptp_reporting, 1)) {
		char line[PTP_LINE_MAX];
		size_t len;
		int fd = ptp_fifo_fd(), own = 0;

		/* Let the flusher write this thread's earlier events first, so
		 * the exception comes after them (bounded: 200 ms). */
		if (!(t->flags & PTP_F_SYNC) && ptp_g.flusher_running) {
			struct timespec d = { 0, 2000000 };

			for (int k = 0; k < 100 && atomic_load(&t->tail) != t->head_local; k++)
				nanosleep(&d, NULL);
			fd = ptp_fifo_fd();
		}
		if (!ptp_fifo_still_ours(fd))
			fd = -1;
		if (fd < 0) {
			fd = ptp_fifo_open_raw();
			own = fd >= 0;
			if (own) {
				len = ptp_format_hello(line);
				if (write(fd, line, len) < 0) {
					/* nothing to do: we are dying */
				}
			}
		}
		if (fd >= 0) {
			len = ptp_format_crash(line, t, i, si);
			if (write(fd, line, len) < 0) {
				/* as above */
			}
		}
		if (own)
			close(fd);
	}
	/* Die as the program would have: its own disposition, same signal.
	 * The signal is blocked while we run, so it is delivered on return. */
	sigaction(sig, &ptp_old[i], NULL);
	raise(sig);
	errno = saved;
}

int pt_catch_signals(void)
{
	struct sigaction sa;
	struct ptp_thread *t;

	ptp_ensure_init();
	if (atomic_load(&ptp_g.state) != PTP_ON)
		return 0;
	pthread_mutex_lock(&ptp_install_lock);
	if (!atomic_load(&ptp_installed)) {
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = ptp_on_fatal;
		sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
		sigemptyset(&sa.sa_mask);
		/* Our write to a vanished reader must not kill us first. */
		sigaddset(&sa.sa_mask, SIGPIPE);
		for (size_t i = 0; i < PTP_NFATAL; i++) {
			if (sigaction(ptp_fatal[i].sig, &sa, &ptp_old[i]) != 0) {
				int err = errno;

				while (i-- > 0)
					sigaction(ptp_fatal[i].sig, &ptp_old[i], NULL);
				pthread_mutex_unlock(&ptp_install_lock);
				errno = err;
				return -1;
			}
		}
		atomic_store(&ptp_installed, 1);
	}
	pthread_mutex_unlock(&ptp_install_lock);
	t = ptp_thread_self();
	if (t && !(t->flags & PTP_F_OFF))
		ptp_signals_thread_init(t);
	return 0;
}
