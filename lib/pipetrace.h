/* pipetrace.h - the public API of libpipetrace.
 *
 * libpipetrace sends a live trace of function calls as JSON lines into a
 * named pipe (see lib/PROTOCOL.md) where pipetrace-tui, or any reader, shows
 * it.  Tracing never blocks or kills the traced program: with no reader, a
 * slow reader or a reader that goes away, events are counted as dropped.
 *
 * Two ways to trace:
 *   - PT_TRACE(); as the first statement of a function traces each call of
 *     it, from entry to every return path;
 *   - building with -finstrument-functions and linking -lpipetrace traces
 *     every function with no change to the source.
 *
 * Environment (read once, at the first event):
 *   PIPETRACE_FIFO      path of the FIFO (default: $XDG_RUNTIME_DIR/pipetrace.fifo,
 *                       else /tmp/pipetrace-$UID/pipetrace.fifo)
 *   PIPETRACE=0         tracing off; each traced call costs a few loads and
 *                       branches (no thread, no FIFO)
 *   PIPETRACE_MODE      "async" (default: per-thread buffers, background flusher)
 *                       or "sync" (each event written before the call goes on)
 *   PIPETRACE_LOSSLESS=1  wait for the reader when the pipe is full instead of
 *                       dropping events (the waits are left out of durations)
 *   PIPETRACE_SIGNALS=1 same as calling pt_catch_signals() at start-up
 *   PIPETRACE_DEMANGLE=0  leave C++ names of -finstrument-functions programs
 *                       mangled
 *   PIPETRACE_WIRE      "json" (default: JSON lines) or "binary" (enters and exits
 *                       in binary frames, for pipetrace-tui only; see PROTOCOL.md)
 *   PIPETRACE_DEPTH=N   trace each thread to depth N-1 only (depth 0 = the
 *                       outermost traced call), like uftrace -D: deeper calls
 *                       are no events (no seq, not dropped); N must be a
 *                       positive integer, else a warning and no limit.
 *                       Under PIPETRACE_FILTER the depth counts traced
 *                       calls only
 *   PIPETRACE_FILTER=G,G,-G  fnmatch(3) globs on the function name as the
 *                       trace shows it (demangled), like uftrace -F/-N:
 *                       with any include pattern, only calls of a matching
 *                       function and everything they call are traced; a
 *                       call matching a "-" pattern is not traced, nor
 *                       anything it calls (exclusion wins).  Decided once
 *                       per call site or function address; calls left out
 *                       are no events (no seq, not dropped), an exception
 *                       in one goes to the innermost traced call.  An
 *                       invalid value (an empty pattern, a '[' without
 *                       ']') is reported on stderr and filters nothing
 *   PIPETRACE_STATS_MS=N  every N ms (default 200; 0 = off) send each
 *                       thread's exact per-path figures (count, total, self,
 *                       max, exceptions, abandoned calls, histogram), which
 *                       the thread computes itself at each call's exit: exact
 *                       whatever events are dropped; also at thread end and
 *                       exit (see lib/PROTOCOL.md, "Statistics")
 *   PIPETRACE_STATS_PATHS=N  at most N call paths per thread (default 65536,
 *                       1..16777216); calls on further paths count in one
 *                       "(other paths)" node.  Memory: about 190 bytes a
 *                       path, plus 384 for a path whose durations span more
 *                       than a factor 2^8 (at most 36 MiB a thread at the
 *                       default cap, 12 MiB when no path spans that much)
 *   PIPETRACE_MIN_DURATION=10us  send a call only if it lasted that long
 *                       (units ns, us, ms, s; a bare number is ns), like
 *                       uftrace -t: its enter is held until it proves long
 *                       or a callee is sent, then sent with its own time
 *                       after its held callers'; an exception sends its
 *                       open calls.  Shorter calls are no events (no seq,
 *                       not dropped).  An invalid value is reported on
 *                       stderr and sends every call
 */
#ifndef PIPETRACE_H
#define PIPETRACE_H

#ifdef __cplusplus
extern "C" {
#endif

#define PT_VERSION_MAJOR 0
#define PT_VERSION_MINOR 1
#define PT_VERSION_STRING "0.1"
/* The wire protocol version this library writes (the "v" of hello). */
#define PT_PROTOCOL_VERSION 1

/* A traced call site.  Everything in it is known at compile time, so one
 * static record per PT_TRACE() is kept and only its address travels with each
 * event.  The library owns the fields after the first use; treat as opaque. */
typedef struct pt_site {
	const char *fn;          /* function or block name (borrowed, static) */
	const char *file;        /* source file (borrowed, static) */
	int line;
	void *cache;             /* library-private: the escaped JSON fragment */
} pt_site_t;

/* Handle of an open traced call; closed by pt_leave_ when it goes out of
 * scope.  Opaque. */
typedef struct pt_frame {
	const pt_site_t *site;          /* NULL when the call is not traced */
	unsigned long long token;       /* reserved */
} pt_frame_t;

void pt_enter_(pt_frame_t *frame, const pt_site_t *site);
void pt_leave_(pt_frame_t *frame);

#define PT_CONCAT2_(a, b) a##b
#define PT_CONCAT_(a, b) PT_CONCAT2_(a, b)

/* Traces the enclosing block, from here to the end of the block (every return
 * path included), under the name `name` (a string literal or any string that
 * outlives the program).  Needs GCC or Clang (__attribute__((cleanup))). */
#define PT_TRACE_NAMED(name)                                                 \
	static pt_site_t PT_CONCAT_(pt_site_, __LINE__) =                    \
		{ (name), __FILE__, __LINE__, 0 };                           \
	pt_frame_t PT_CONCAT_(pt_frame_, __LINE__)                           \
		__attribute__((cleanup(pt_leave_), unused));                 \
	pt_enter_(&PT_CONCAT_(pt_frame_, __LINE__),                          \
		  &PT_CONCAT_(pt_site_, __LINE__))

/* Traces the enclosing function: put it first in the function's body. */
#define PT_TRACE() PT_TRACE_NAMED(__func__)

/* Records an exception of type `type` (e.g. "TimeoutError") with a
 * printf-style message on the innermost open traced call of this thread.
 * The message is cut to fit one protocol line. */
void pt_exception(const char *type, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Names the calling thread in the trace (cut to 64 bytes). */
void pt_thread_name(const char *name);

/* Writes everything buffered by every thread of this process now (blocking
 * for at most about 100 ms when the pipe is full and not lossless). */
void pt_flush(void);

/* On SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGABRT, writes an "exception" event
 * with the signal's name and the stack of open calls, then lets the program
 * die exactly as it would have.  Returns 0, or -1 with errno set. */
int pt_catch_signals(void);

/* Nonzero when tracing is on (PIPETRACE is not "0"). */
int pt_enabled(void);

#ifdef __cplusplus
}
#endif
#endif /* PIPETRACE_H */
