/* flush.c - the consumer: drains the threads' rings, formats the JSON lines
 * of the protocol and writes them in batches of whole lines, each write at
 * most PTP_LINE_MAX bytes.  In async mode a background thread per process
 * does this; in sync mode the traced thread does it for its own events.
 * Everything here runs under ptp_g.lock.
 */
#include <config.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>

#include "internal.h"

/* How a pass treats a full pipe. */
#define PTP_DL_KEEP 0           /* keep the batch, return (regular pass) */
#define PTP_DL_NOW 1            /* drop the batch at once (sync mode) */
#define PTP_DL_NEVER UINT64_MAX /* wait as long as a reader is there */

/* Records a regular pass takes from one thread before it serves the next:
 * under overload every busy thread gets its turn at the pipe. */
#define PTP_PASS_BUDGET 1024u
/* Exited threads whose tally could not be written yet (no reader, full
 * pipe) are kept, ring freed, at most this many; past that a thread is
 * forgotten without its tally, which bye's "threads" then reveals. */
#define PTP_RETIRED_MAX 256u
/* How long pt_flush() waits for room (not in lossless mode). */
#define PTP_FLUSH_WAIT_NS 100000000u
/* At exit the final lines wait for the reader this long all told.  The
 * buffered events get all but the last part, which the tallies and bye
 * keep for themselves: one write, that a reader which reads at all takes
 * at once.  Lossless mode is for losing nothing: the events get 90%. */
#define PTP_EXIT_WAIT_NS PTP_FLUSH_WAIT_NS
#define PTP_EXIT_FINAL_NS 40000000u
#define PTP_EXIT_WAIT_LOSSLESS_NS 2000000000u
#define PTP_EXIT_FINAL_LOSSLESS_NS 200000000u
/* Lossless, at exit: a pipe that others keep full may leave us no room for
 * long while the reader reads; the wait then goes on while its content
 * moves, until it stands still this long, or this much time in all. */
#define PTP_EXIT_STILL_NS 2000000000u
#define PTP_EXIT_LOSSLESS_MAX_NS 30000000000u
/* Not lossless, at exit: stats lines are never dropped, and a reader that
 * takes them slowly is no reason to give up on them.  While some are
 * still owed the wait goes on as long as the reader takes bytes from the
 * pipe, until it takes none for this long, or this much time in all.  A
 * reader that takes nothing once the exit began (suspended) gets no more
 * than the usual wait. */
#define PTP_EXIT_STATS_STILL_NS 250000000u
#define PTP_EXIT_STATS_MAX_NS 2000000000u

enum ptp_pass_result { PTP_IDLE, PTP_WORKED, PTP_BLOCKED };

/* The batch being built: whole lines, all of one thread (or none). */
static char ptp_out[PTP_LINE_MAX];
static size_t ptp_out_len;
static struct ptp_thread *ptp_out_owner;        /* borrowed */
static uint64_t ptp_out_events;         /* trace events in the batch */
static uint64_t ptp_out_dropcount;      /* counts carried by drop lines */
/* What the batch carries that must be sent again if it is given up: the
 * connection's hello, the owner's thread line, the owner's tally. */
static int ptp_out_hello, ptp_out_named, ptp_out_tally;
static int ptp_connected;
static unsigned ptp_hello_gen;          /* connection that got its hello */
static _Atomic int ptp_flush_waiting;   /* pt_flush() callers before the lock */

/* The binary frame open at the end of the batch (PIPETRACE_WIRE=binary):
 * where it starts (SIZE_MAX: none), where its last record ends (a line
 * written after it closes it), the seq and ts of its last event. */
static size_t ptp_frame_at = SIZE_MAX, ptp_frame_end;
static uint64_t ptp_frame_seq, ptp_frame_ns;
/* Function definitions the batch carries: unmarked if it is given up.
 * A definition takes at least 8 bytes of the batch. */
static struct ptp_frag *ptp_frame_def[PTP_LINE_MAX / 8];
static unsigned ptp_frame_defs;

static struct ptp_thread *ptp_rr;       /* where a pass starts; NULL: head */
static uint64_t ptp_nthreads;           /* threads seen: bye's "threads" */
static unsigned ptp_retired;            /* retired threads not yet freed */
static int ptp_final;                   /* exit: drain up to stop_at only */
static uint64_t ptp_exit_start;         /* exit: when it began */
static uint64_t ptp_batches_written, ptp_batches_given_up;
static uint64_t ptp_bytes_written;
/* Exit, not lossless: the pipe's unread bytes and ptp_bytes_written when
 * last looked at, and when the reader was last seen taking some (0: not
 * since the exit began). */
static long ptp_exit_unread;
static uint64_t ptp_exit_bytes, ptp_exit_took;

/* ---- writing batches --------------------------------------------------- */

static void ptp_out_sent(void)
{
	ptp_frame_at = SIZE_MAX;
	ptp_frame_defs = 0;
	ptp_out_len = 0;
	ptp_out_events = 0;
	ptp_out_dropcount = 0;
	ptp_out_owner = NULL;
	ptp_out_hello = ptp_out_named = ptp_out_tally = 0;
}

/* The batch reached the pipe: what it announced is known to the reader. */
static void ptp_out_written(void)
{
	unsigned gen = ptp_fifo_gen();

	if (ptp_out_hello)
		ptp_hello_gen = gen;
	if (ptp_out_owner && ptp_out_named)
		ptp_out_owner->announced = gen;
	if (ptp_out_owner && ptp_out_tally)
		ptp_out_owner->tallied = 1;
	ptp_stats_batch_written(gen);
	ptp_batches_written++;
	ptp_bytes_written += ptp_out_len;
	ptp_out_sent();
}

/* The batch is given up: its events count as lost to their thread, its
 * drop counts are owed again; hello, thread line and tally are sent again
 * with a later batch since nothing marked them written. */
static void ptp_out_discard(void)
{
	/* Definitions that never reached the reader go with the next use. */
	for (unsigned i = 0; i < ptp_frame_defs; i++)
		ptp_frame_def[i]->sent = 0;
	if (ptp_out_owner) {
		ptp_out_owner->lost += ptp_out_events + ptp_out_dropcount;
		ptp_out_owner->lost_total += ptp_out_events;
	}
	if (ptp_out_len > 0)
		ptp_batches_given_up++;
	ptp_stats_batch_lost(ptp_out_owner);
	ptp_out_sent();
}

static void ptp_disconnected(void)
{
	ptp_out_discard();
	ptp_fifo_close();
	ptp_connected = 0;
}

/* Exiting, not lossless, deadline dl passed: a later one while stats
 * lines are owed and the reader takes bytes (PTP_EXIT_STATS_STILL_NS),
 * else dl.  What it took since we last looked: the bytes unread then and
 * those we wrote since, less those unread now (other writers' bytes can
 * only make it look less). */
static uint64_t ptp_exit_stats_extend(uint64_t dl, uint64_t now)
{
	long unread = ptp_fifo_unread();

	if (unread < 0 || ptp_exit_unread < 0)
		return dl;
	if ((uint64_t)ptp_exit_unread + (ptp_bytes_written - ptp_exit_bytes) > (uint64_t)unread)
		ptp_exit_took = now;
	ptp_exit_unread = unread;
	ptp_exit_bytes = ptp_bytes_written;
	if (!ptp_exit_took || now - ptp_exit_took >= PTP_EXIT_STATS_STILL_NS ||
	    now - ptp_exit_start >= PTP_EXIT_STATS_MAX_NS || !ptp_stats_owed())
		return dl;
	return now + 10000000u;
}

/* Exiting, deadline dl passed: in lossless mode a later one while the
 * pipe's content moves (see PTP_EXIT_STILL_NS); else see above. */
static uint64_t ptp_exit_extend(uint64_t dl)
{
	static long last = -2;
	static uint64_t moved;
	uint64_t now = ptp_mono_ns();
	long unread;

	if (!ptp_exit_start)
		return dl;
	if (!ptp_g.lossless)
		return ptp_exit_stats_extend(dl, now);
	unread = ptp_fifo_unread();
	if (unread != last || !moved) {
		last = unread;
		moved = now;
	}
	if (unread < 0 || now - moved >= PTP_EXIT_STILL_NS ||
	    now - ptp_exit_start >= PTP_EXIT_LOSSLESS_MAX_NS)
		return dl;
	return now + 10000000u;
}

/* Writes the batch.  Returns 1 when it was written, 0 when it is gone
 * otherwise (given up, or nothing to write), -1 when it is kept because the
 * pipe is full (PTP_DL_KEEP). */
static int ptp_out_write(uint64_t deadline)
{
	while (ptp_out_len > 0) {
		switch (ptp_fifo_write(ptp_out, ptp_out_len)) {
		case PTP_WR_OK:
			ptp_out_written();
			return 1;
		case PTP_WR_GONE:
			ptp_disconnected();
			return 0;
		case PTP_WR_AGAIN:
			break;
		}
		if (deadline == PTP_DL_KEEP) {
			return -1;
		}
		if (deadline == PTP_DL_NOW) {
			ptp_out_discard();
			return 0;
		}
		if (deadline != PTP_DL_NEVER) {
			uint64_t now = ptp_mono_ns();

			if (now >= deadline)
				deadline = ptp_exit_extend(deadline);
			if (now >= deadline) {
				ptp_out_discard();
				return 0;
			}
			ptp_fifo_wait_writable((int)((deadline - now) / 1000000u) + 1);
		} else if (atomic_load(&ptp_g.stop)) {
			/* Exiting: the final pass waits, but not for ever. */
			ptp_out_discard();
			return 0;
		} else {
			ptp_fifo_wait_writable(100);
		}
	}
	return 0;
}

static char *ptp_put_thread(char *p, struct ptp_thread *t, uint64_t ns);

/* Longest thread line. */
#define PTP_THREAD_MAX (PTP_PREFIX_MAX + 16 + 6 * PTP_TNAME_MAX)

/* ts of a line that is not a recorded event (thread, drop, tally): that
 * of the thread's next event (raw, 0: none), else now; never before the
 * thread's previous line. */

/* A new batch starts with what the reader has not got yet on this
 * connection: the hello, the owner's thread line.  They are marked sent
 * only once the batch is written (ptp_out_written). */
static void ptp_out_begin(struct ptp_thread *owner, uint64_t raw)
{
	unsigned gen = ptp_fifo_gen();

	ptp_out_owner = owner;
	if (ptp_hello_gen != gen) {
		ptp_out_len = ptp_format_hello(ptp_out);
		ptp_out_hello = 1;
	}
	if (owner && owner->announced != gen) {
		char *p = ptp_put_thread(ptp_out + ptp_out_len, owner,
					 ptp_meta_ns(owner, raw));

		ptp_out_len = (size_t)(p - ptp_out);
		ptp_out_named = 1;
	}
}

/* Room for `need` more bytes of `owner`'s lines; raw: the clock of the
 * owner's next event, 0 if none.  NULL when the pipe is full and the batch
 * is kept, or when the reader went away (check ptp_connected). */
char *ptp_room(struct ptp_thread *owner, size_t need, uint64_t deadline,
	       uint64_t raw)
{
	if (ptp_out_len > 0 &&
	    (ptp_out_owner != owner || ptp_out_len + need > PTP_LINE_MAX) &&
	    ptp_out_write(deadline) < 0)
		return NULL;
	if (!ptp_connected)
		return NULL;
	if (ptp_out_len == 0) {
		ptp_out_begin(owner, raw);
		if (ptp_out_len + need > PTP_LINE_MAX) {
			/* A line that needs the whole batch (an exception):
			 * hello and thread line go first, alone.  Given up at
			 * a deadline, they come again with a later batch. */
			if (ptp_out_write(deadline) < 0 || !ptp_connected)
				return NULL;
			ptp_out_owner = owner;
		}
	}
	return ptp_out + ptp_out_len;
}

void ptp_commit(char *end)
{
	ptp_out_len = (size_t)(end - ptp_out);
}

int ptp_is_connected(void)
{
	return ptp_connected;
}

int ptp_tally_done(const struct ptp_thread *t)
{
	return t->tallied || (ptp_out_owner == t && ptp_out_tally);
}

/* ---- lines ------------------------------------------------------------- */

/* Upper bound of `{"ev":"exception","ts":…,"seq":…,"depth":…,` */
#define PTP_PREFIX_MAX 160

/* A timestamp.  Its digits above the last eight change only every 100 ms,
 * so they are formatted once and copied; the low eight are formatted as a
 * fixed-width pair of four-digit groups. */
static uint64_t ptp_ts_hi = UINT64_MAX;
static char ptp_ts_hi_str[24];
static size_t ptp_ts_hi_len;

static char *ptp_fmt_ts(char *p, uint64_t ns)
{
	uint64_t hi = ns / 100000000u;
	uint32_t lo = (uint32_t)(ns % 100000000u), a, b;

	if (hi == 0)
		return ptp_fmt_u64(p, ns);
	if (hi != ptp_ts_hi) {
		ptp_ts_hi = hi;
		ptp_ts_hi_len = (size_t)(ptp_fmt_u64(ptp_ts_hi_str, hi) - ptp_ts_hi_str);
	}
	p = ptp_put(p, ptp_ts_hi_str, ptp_ts_hi_len);
	a = lo / 10000;
	b = lo % 10000;
	__builtin_memcpy(p, ptp_pairs + 2 * (a / 100), 2);
	__builtin_memcpy(p + 2, ptp_pairs + 2 * (a % 100), 2);
	__builtin_memcpy(p + 4, ptp_pairs + 2 * (b / 100), 2);
	__builtin_memcpy(p + 6, ptp_pairs + 2 * (b % 100), 2);
	return p + 8;
}

char *ptp_head(char *p, const char *ev, size_t evlen, uint64_t ns,
	       struct ptp_thread *t)
{
	p = PTP_PUTS(p, "{\"ev\":\"");
	p = ptp_put(p, ev, evlen);
	p = PTP_PUTS(p, "\",\"ts\":");
	p = ptp_fmt_ts(p, ns);
	if (!t) {
		p = PTP_PUTS(p, ",\"pid\":");
		return ptp_fmt_i64(p, ptp_g.pid);
	}
	/* `,"pid":P,"tid":T` is the same on each of the thread's lines. */
	if (t->id_pid != ptp_g.pid || t->id_tid != t->tid) {
		char *q = t->id;

		q = PTP_PUTS(q, ",\"pid\":");
		q = ptp_fmt_i64(q, ptp_g.pid);
		q = PTP_PUTS(q, ",\"tid\":");
		q = ptp_fmt_i64(q, t->tid);
		t->id_len = (size_t)(q - t->id);
		t->id_pid = ptp_g.pid;
		t->id_tid = t->tid;
	}
	return ptp_put(p, t->id, t->id_len);
}

static uint64_t ptp_thread_ns(struct ptp_thread *t, uint64_t raw)
{
	uint64_t ns = ptp_clock_ns(raw);

	if (ns < t->last_ns)
		ns = t->last_ns;
	t->last_ns = ns;
	return ns;
}

uint64_t ptp_meta_ns(struct ptp_thread *t, uint64_t raw)
{
	return ptp_thread_ns(t, raw ? raw : ptp_clock_raw_slow());
}

static char *ptp_put_thread(char *p, struct ptp_thread *t, uint64_t ns)
{
	p = ptp_head(p, "thread", 6, ns, t);
	p = PTP_PUTS(p, ",\"name\":");
	p += ptp_json_str(p, 6 * PTP_TNAME_MAX + 2, t->name, strlen(t->name));
	return PTP_PUTS(p, "}\n");
}

/* The thread's pending drop count (t->lost) as a drop line. */
#define PTP_DROP_MAX (PTP_PREFIX_MAX + 32)
static char *ptp_put_drop(char *p, struct ptp_thread *t, uint64_t ns)
{
	p = ptp_head(p, "drop", 4, ns, t);
	p = PTP_PUT_U64(p, ",\"count\":", t->lost);
	t->lost = 0;
	return PTP_PUTS(p, "}\n");
}

/* The thread's accounts: the last seq it assigned, and every event of it
 * known not to have been delivered.  Every event up to seq is either in
 * the ring, consumed (written, or lost and counted), or dropped at the
 * ring and published in t->dropped. */
#define PTP_TALLY_MAX (PTP_PREFIX_MAX + 96)
static char *ptp_put_tally(char *p, struct ptp_thread *t, uint64_t ns)
{
	/* Its last stats lines may not have gone (a reader that took nothing
	 * during the exit's wait): the tally says how many nodes' figures
	 * the reader misses, so that it does not take them as final. */
	uint64_t unsent = ptp_stats_unsent(t);

	p = ptp_head(p, "tally", 5, ns, t);
	p = PTP_PUT_U64(p, ",\"seq\":", t->consumed + t->drops_seen);
	p = PTP_PUT_U64(p, ",\"dropped\":", t->lost_total);
	if (unsent) {
		p = PTP_PUT_U64(p, ",\"stats_unsent\":", unsent);
	}
	return PTP_PUTS(p, "}\n");
}

/* (The count is read after ptp_room(), which may give up a batch of the
 * thread's and so add to it.) */
static int ptp_emit_drop(struct ptp_thread *t, uint64_t raw, uint64_t deadline)
{
	char *p = ptp_room(t, PTP_DROP_MAX, deadline, raw);

	if (!p)
		return -1;
	ptp_out_dropcount += t->lost;
	ptp_commit(ptp_put_drop(p, t, ptp_meta_ns(t, raw)));
	return 0;
}

/* An exited, drained thread: its pending drops and its tally, in one batch
 * that marks it tallied once written. */
static int ptp_emit_tally(struct ptp_thread *t, uint64_t deadline)
{
	char *p = ptp_room(t, PTP_DROP_MAX + PTP_TALLY_MAX, deadline, 0);
	uint64_t ns;

	if (!p)
		return -1;
	ns = ptp_meta_ns(t, 0);
	if (t->lost) {
		ptp_out_dropcount += t->lost;
		p = ptp_put_drop(p, t, ns);
	}
	ptp_commit(ptp_put_tally(p, t, ns));
	ptp_out_tally = 1;
	return 0;
}

/* The hello line, into buf (PTP_LINE_MAX bytes).  Async-signal-safe. */
size_t ptp_format_hello(char *buf)
{
	const char *prog = program_invocation_short_name;
	char *p;

	p = ptp_head(buf, "hello", 5, ptp_mono_ns(), NULL);
	p = PTP_PUT_U64(p, ",\"v\":", PT_PROTOCOL_VERSION);
	p = PTP_PUTS(p, ",\"ppid\":");
	p = ptp_fmt_i64(p, ptp_g.ppid);
	p = PTP_PUTS(p, ",\"prog\":");
	p += ptp_json_str(p, PTP_NAME_MAX + 2, prog ? prog : "", prog ? strlen(prog) : 0);
	p = PTP_PUT_U64(p, ",\"wall\":", ptp_wall_ns());
	if (ptp_g.depth_max != UINT32_MAX) {
		p = PTP_PUT_U64(p, ",\"depth_max\":", ptp_g.depth_max);
	}
	if (ptp_g.stats_ms) {
		p = PTP_PUT_U64(p, ",\"stats_ms\":", ptp_g.stats_ms);
	}
	if (ptp_g.min_duration) {
		p = PTP_PUT_U64(p, ",\"min_duration\":", ptp_g.min_duration);
	}
	if (ptp_g.filter) {
		p = PTP_PUTS(p, ",\"filter\":");
		/* cut (marked "…") to keep hello one line */
		p += ptp_json_str(p, 2 * PTP_NAME_MAX + 2, ptp_g.filter, strlen(ptp_g.filter));
	}
	if (ptp_clock_step_ns()) {
		p = PTP_PUT_U64(p, ",\"clock_step\":", ptp_clock_step_ns());
	}
	if (ptp_g.binary)
		p = PTP_PUTS(p, ",\"wire\":\"binary\"");
	p = PTP_PUTS(p, ",\"lib\":\"pipetrace " PT_VERSION_STRING "\"}\n");
	return (size_t)(p - buf);
}

/* The thread's name changed: a thread line goes again.  One already in
 * the batch being built (a stats line may have begun it) has the old
 * name: once written, the batch must not count as announcing the new. */
static void ptp_renamed(struct ptp_thread *t)
{
	t->announced = 0;
	if (ptp_out_owner == t)
		ptp_out_named = 0;
}

/* Frees what a record owns and applies a thread name, without writing. */
static void ptp_rec_release(struct ptp_thread *t, const struct ptp_rec *r)
{
	unsigned kind = r->depth_kind & 15;

	if (kind == PTP_EXCEPTION) {
		free((void *)r->ptr);
	} else if (kind == PTP_NAME) {
		char *name = (char *)r->ptr;

		strncpy(t->name, name, PTP_TNAME_MAX);
		t->name[PTP_TNAME_MAX] = 0;
		free(name);
		ptp_renamed(t);
	}
}

const char *ptp_fn_frag(uintptr_t ref, int is_addr, size_t *len,
			size_t *fn_len)
{
	if (!ref) {
		*len = *fn_len = 8;
		return "\"fn\":\"?\"";
	}
	return is_addr ? ptp_addr_frag(ref, len, fn_len)
		       : ptp_site_frag((const pt_site_t *)ref, len, fn_len);
}

/* ---- binary frames (lib/PROTOCOL.md, "Binary frames") ---------------- */

static inline char *ptp_varint(char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (char)v;
	return p;
}

/* Longest frame header, and longest enter/exit record. */
#define PTP_FRAME_HEAD_MAX (4 + 4 * 10)
#define PTP_FRAME_REC_MAX (1 + 4 * 10)

/* The fragment of a function address, through a small direct-mapped
 * cache of the flusher's own: the shared map's lookup (a call, a hash, a
 * probe) was an eighth of the flusher's instructions per event in
 * lossless mode.  Fragments are never freed, so an entry stays good. */
#define PTP_FCACHE 256u
static struct ptp_fcache {
	uintptr_t addr;
	struct ptp_frag *f;
} ptp_fcache[PTP_FCACHE];

static inline struct ptp_frag *ptp_addr_frag_cached(uintptr_t addr)
{
	struct ptp_fcache *c = &ptp_fcache[(addr >> 4) & (PTP_FCACHE - 1)];

	if (c->f && c->addr == addr)
		return c->f;
	c->f = ptp_addr_fragp(addr);
	c->addr = addr;
	return c->f;
}

/* An enter or exit into the batch's open frame of the thread (a new one
 * when the batch ends with anything else), preceded by its function's
 * definition the first time the connection sees it.  0: done; -1: as
 * ptp_emit_rec; 1: not possible here (no memory for the name), the
 * caller writes a line instead. */
static int ptp_emit_bin(struct ptp_thread *t, const struct ptp_rec *r,
			unsigned kind, uint32_t depth, uint64_t deadline)
{
	int is_addr = kind == PTP_ENTER_ADDR || kind == PTP_EXIT_ADDR;
	struct ptp_frag *f = is_addr ? ptp_addr_frag_cached(r->ptr)
				     : ptp_site_fragp((const pt_site_t *)r->ptr);
	unsigned gen = ptp_fifo_gen();
	uint64_t seq, ns;
	size_t need;
	char *p;

	if (!f)
		return 1;
	/* The usual case inline: the thread's batch has room. */
	need = PTP_FRAME_HEAD_MAX + 2 * PTP_FRAME_REC_MAX + f->len;
	if (ptp_out_len > 0 && ptp_out_owner == t && ptp_out_len + need <= PTP_LINE_MAX &&
	    ptp_connected)
		p = ptp_out + ptp_out_len;
	else if (!(p = ptp_room(t, need, deadline, r->ts)))
		return -1;
	seq = t->seq64 + (uint32_t)(r->seq - (uint32_t)t->seq64);
	/* A held enter (PIPETRACE_MIN_DURATION) keeps its own, earlier time,
	 * as on a line: a new frame then, its deltas being unsigned. */
	ns = ptp_g.min_duration && (kind == PTP_ENTER_SITE || kind == PTP_ENTER_ADDR)
	     ? ptp_clock_ns(r->ts) : ptp_thread_ns(t, r->ts);
	if (ptp_frame_at == SIZE_MAX || ptp_frame_end != ptp_out_len || ns < ptp_frame_ns) {
		ptp_frame_at = ptp_out_len;
		p[0] = (char)0xff;
		p[1] = 1;               /* frame version */
		p = ptp_varint(p + 4, (uint64_t)ptp_g.pid);
		p = ptp_varint(p, (uint64_t)t->tid);
		p = ptp_varint(p, seq);
		p = ptp_varint(p, ns);
		ptp_frame_seq = seq - 1;
		ptp_frame_ns = ns;
	}
	if (seq != ptp_frame_seq + 1) {
		*p++ = 3;               /* seq gap: events lost in between */
		p = ptp_varint(p, seq - ptp_frame_seq - 1);
	}
	if (f->sent != gen) {
		*p++ = 2;
		p = ptp_varint(p, f->id);
		p = ptp_varint(p, f->len);
		p = ptp_put(p, f->text, f->len);
		f->sent = gen;
		ptp_frame_def[ptp_frame_defs++] = f;
	}
	*p++ = (char)((kind == PTP_EXIT_SITE || kind == PTP_EXIT_ADDR) |
		      (depth < 63 ? depth : 63) << 2);
	if (depth >= 63)
		p = ptp_varint(p, depth - 63);
	p = ptp_varint(p, f->id);
	p = ptp_varint(p, ns - ptp_frame_ns);
	if (kind == PTP_EXIT_SITE || kind == PTP_EXIT_ADDR)
		p = ptp_varint(p, r->dur);
	ptp_frame_seq = seq;
	ptp_frame_ns = ns;
	ptp_out_len = (size_t)(p - ptp_out);
	ptp_frame_end = ptp_out_len;
	ptp_out[ptp_frame_at + 2] = (char)((ptp_out_len - ptp_frame_at) & 0xff);
	ptp_out[ptp_frame_at + 3] = (char)((ptp_out_len - ptp_frame_at) >> 8);
	t->seq64 = seq;
	ptp_out_events++;
	return 0;
}

/* Formats one record into the batch.  Returns -1 when it could not be
 * (pipe full and kept, or reader gone); the record is then not consumed. */
static int ptp_emit_rec(struct ptp_thread *t, const struct ptp_rec *r,
			uint64_t deadline)
{
	unsigned kind = r->depth_kind & 15;
	uint32_t depth = r->depth_kind >> 4;
	const struct ptp_exc *e = (const struct ptp_exc *)r->ptr;
	const char *frag, *ev;
	size_t len, fn_len, evlen, need;
	uint64_t seq;
	char *p, *end;

	if (kind == PTP_NAME) {
		/* Consumed even when the line cannot go out now: the thread is
		 * unannounced, so its next batch starts with the new name. */
		ptp_rec_release(t, r);
		if (ptp_out_len > 0 && ptp_out_owner == t &&
		    ptp_out_len + PTP_THREAD_MAX <= PTP_LINE_MAX) {
			ptp_commit(ptp_put_thread(ptp_out + ptp_out_len, t,
						  ptp_thread_ns(t, r->ts)));
			ptp_out_named = 1;
		} else {
			ptp_room(t, 0, deadline, r->ts);
		}
		return 0;
	}
	if (ptp_g.binary && kind != PTP_EXCEPTION) {
		int b = ptp_emit_bin(t, r, kind, depth, deadline);

		if (b <= 0)
			return b;
	}
	switch (kind) {
	case PTP_ENTER_SITE:
	case PTP_ENTER_ADDR:
		ev = "enter", evlen = 5;
		frag = ptp_fn_frag(r->ptr, kind == PTP_ENTER_ADDR, &len, &fn_len);
		break;
	case PTP_EXIT_SITE:
	case PTP_EXIT_ADDR:
		ev = "exit", evlen = 4;
		frag = ptp_fn_frag(r->ptr, kind == PTP_EXIT_ADDR, &len, &fn_len);
		len = fn_len;
		break;
	default:
		ev = "exception", evlen = 9;
		frag = ptp_fn_frag(e->fn, e->fn_is_addr, &len, &fn_len);
		len = fn_len;
		break;
	}
	need = kind == PTP_EXCEPTION ? PTP_LINE_MAX : PTP_PREFIX_MAX + len + 32;
	p = ptp_room(t, need, deadline, r->ts);
	if (!p)
		return -1;
	end = ptp_out + PTP_LINE_MAX;
	seq = t->seq64 + (uint32_t)(r->seq - (uint32_t)t->seq64);
	/* Under PIPETRACE_MIN_DURATION an enter is sent when its call proves
	 * long, with its own time: earlier than lines already written (a
	 * thread line, a sibling's exit), so not held to their order. */
	p = ptp_head(p, ev, evlen, ptp_g.min_duration && evlen == 5
		     ? ptp_clock_ns(r->ts) : ptp_thread_ns(t, r->ts), t);
	p = PTP_PUT_U64(p, ",\"seq\":", seq);
	p = PTP_PUT_U64(p, ",\"depth\":", depth);
	*p++ = ',';
	p = ptp_put(p, frag, len);
	if (kind == PTP_EXIT_SITE || kind == PTP_EXIT_ADDR) {
		p = PTP_PUT_U64(p, ",\"dur\":", r->dur);
	} else if (kind == PTP_EXCEPTION) {
		p = PTP_PUTS(p, ",\"type\":");
		p += ptp_json_str(p, PTP_NAME_MAX / 2, e->text, e->type_len);
		p = PTP_PUTS(p, ",\"msg\":");
		/* The rest of the line, less `}\n`. */
		p += ptp_json_str(p, (size_t)(end - p) - 2, e->text + e->type_len,
				  e->msg_len);
		free((void *)r->ptr);
	}
	p = PTP_PUTS(p, "}\n");
	ptp_commit(p);
	t->seq64 = seq;
	ptp_out_events++;
	return 0;
}

/* ---- a pass over every thread ----------------------------------------- */

/* Takes in what the thread published for the consumer: drops at its full
 * ring, and a name it could not put in the ring. */
static void ptp_take_news(struct ptp_thread *t)
{
	uint64_t dropped = atomic_load_explicit(&t->dropped, memory_order_relaxed);
	char *name;

	t->lost += dropped - t->drops_seen;
	t->lost_total += dropped - t->drops_seen;
	t->drops_seen = dropped;
	if (atomic_load_explicit(&t->name_late, memory_order_relaxed) &&
	    (name = atomic_exchange(&t->name_late, NULL)) != NULL) {
		strncpy(t->name, name, PTP_TNAME_MAX);
		t->name[PTP_TNAME_MAX] = 0;
		free(name);
		ptp_renamed(t);
	}
}

/* Consumes ring records up to `head` as lost: nobody to write them to, or
 * no time left at exit. */
static void ptp_lose(struct ptp_thread *t, uint64_t tail, uint64_t head)
{
	for (; tail != head; tail++) {
		const struct ptp_rec *rec = &t->ring[tail & (PTP_RING_SIZE - 1)];

		if ((rec->depth_kind & 15) != PTP_NAME) {
			t->consumed++;
			t->lost++;
			t->lost_total++;
		}
		ptp_rec_release(t, rec);
	}
	atomic_store_explicit(&t->tail, tail, memory_order_release);
	if (ptp_g.lossless)
		ptp_wake_waiter(t, tail);
}

/* Writes at most `budget` of the thread's records.  Returns -1 when the
 * pipe is full (the rest is kept). */
static int ptp_drain(struct ptp_thread *t, uint64_t deadline, uint64_t budget)
{
	uint64_t tail = atomic_load_explicit(&t->tail, memory_order_relaxed);
	uint64_t head = atomic_load_explicit(&t->head, memory_order_acquire);
	uint64_t start = tail;
	uint64_t raw = tail != head ? t->ring[tail & (PTP_RING_SIZE - 1)].ts : 0;
	int r = 0;

	/* After head: every drop before the records up to head is counted. */
	ptp_take_news(t);
	if (!t->counted) {
		t->counted = 1;
		ptp_nthreads++;
	}
	if (ptp_final && head > t->stop_at)
		head = t->stop_at > tail ? t->stop_at : tail;
	if (head - tail > budget)
		head = tail + budget;
	/* A reader that comes learns every thread's name, idle or not. */
	if (ptp_connected && t->announced != ptp_fifo_gen() &&
	    !(ptp_out_owner == t && ptp_out_named) &&
	    !ptp_room(t, 0, deadline, raw) && ptp_connected)
		return -1;
	if (ptp_connected && t->lost && ptp_emit_drop(t, raw, deadline) < 0 &&
	    ptp_connected)
		return -1;
	for (; tail != head; tail++) {
		const struct ptp_rec *rec = &t->ring[tail & (PTP_RING_SIZE - 1)];
		unsigned kind = rec->depth_kind & 15;

		if (!ptp_connected || ptp_emit_rec(t, rec, deadline) < 0) {
			if (!ptp_connected) {
				ptp_lose(t, tail, head);
				return 0;
			}
			r = -1;         /* pipe full: keep the rest */
			break;
		}
		if (kind != PTP_NAME)
			t->consumed++;
		if (((tail - start) & 255) == 255)
			atomic_store_explicit(&t->tail, tail + 1, memory_order_release);
	}
	atomic_store_explicit(&t->tail, tail, memory_order_release);
	if (ptp_g.lossless)
		ptp_wake_waiter(t, tail);
	return r;
}

/* Throws away what a ring holds (after fork: the parent's events). */
void ptp_consume_discard(struct ptp_thread *t)
{
	uint64_t tail = atomic_load(&t->tail), head = atomic_load(&t->head);

	for (; tail != head; tail++)
		ptp_rec_release(t, &t->ring[tail & (PTP_RING_SIZE - 1)]);
	atomic_store(&t->tail, tail);
}

static void ptp_reap(struct ptp_thread *t)
{
	struct ptp_thread *prev = NULL, *cur;

	if (ptp_out_owner == t)
		ptp_out_discard();      /* nothing of its can be in it: see callers */
	if (ptp_rr == t)
		ptp_rr = t->next;
	if (t->retired)
		ptp_retired--;
	pthread_mutex_lock(&ptp_g.reg_lock);
	for (cur = atomic_load(&ptp_g.threads); cur && cur != t; cur = cur->next)
		prev = cur;
	if (cur && prev)
		prev->next = t->next;
	else if (cur)
		atomic_store(&ptp_g.threads, t->next);
	pthread_mutex_unlock(&ptp_g.reg_lock);
	ptp_thread_free(t);
}

/* An exited thread whose ring is drained: its tally goes out, then it is
 * freed.  Until the tally is written (no reader yet, full pipe) only the
 * small record stays, a bounded number of them.  Returns -1 when the pipe
 * is full. */
static int ptp_retire(struct ptp_thread *t, uint64_t deadline)
{
	if (!t->retired) {
		free(t->ring);
		ptp_stack_free(t->stack);
		t->ring = NULL;
		t->stack = NULL;
		t->stack_cap = 0;
		t->retired = 1;
		ptp_retired++;
	}
	/* Too many waiting (no reader, or one that does not read): this one
	 * goes without its tally, whatever the pipe does. */
	if (!t->tallied && ptp_retired > PTP_RETIRED_MAX && ptp_out_owner != t) {
		ptp_reap(t);
		return 0;
	}
	/* Its final statistics go first: nothing of the thread's follows
	 * its tally. */
	if (!t->tallied && ptp_connected && !(ptp_out_owner == t && ptp_out_tally) &&
	    ptp_stats_final(t, deadline) < 0 && ptp_connected)
		return -1;
	if (!t->tallied && ptp_connected && !(ptp_out_owner == t && ptp_out_tally) &&
	    ptp_emit_tally(t, deadline) < 0 && ptp_connected)
		return -1;
	if (ptp_out_owner == t && ptp_out_tally && deadline != PTP_DL_KEEP &&
	    ptp_out_write(deadline) < 0)
		return -1;
	if (t->tallied)
		ptp_reap(t);
	return 0;
}

/* force: try to open now, whatever the retry rate.  probe: also ask
 * whether our reader is still there - a reader that leaves and comes back
 * while we write nothing would otherwise get our lines without a hello. */
static void ptp_check_connection(int force, int probe)
{
	if (ptp_connected && probe && ptp_fifo_reader_gone())
		ptp_disconnected();
	if (!ptp_connected && ptp_fifo_connect(force) >= 0)
		ptp_connected = 1;
	/* A batch that starts with the hello, written at the end of the pass
	 * even when no thread has anything to say. */
	if (ptp_connected && ptp_hello_gen != ptp_fifo_gen() && ptp_out_len == 0)
		ptp_out_begin(NULL, 0);
}

/* Serves one thread in a pass; -1 when the pipe is full. */
static int ptp_serve(struct ptp_thread *t, uint64_t deadline, uint64_t budget,
		     int *worked)
{
	int dead = atomic_load_explicit(&t->dead, memory_order_acquire);
	uint64_t before = atomic_load_explicit(&t->tail, memory_order_relaxed);

	if (ptp_drain(t, deadline, budget) < 0)
		return -1;
	if (atomic_load_explicit(&t->tail, memory_order_relaxed) != before)
		*worked = 1;
	if (dead && atomic_load(&t->tail) == atomic_load(&t->head))
		return ptp_retire(t, deadline);
	return 0;
}

/* Drains every ring once.  `only`: just that thread (sync mode).  Probes
 * the reader after an idle pass, and on pt_flush() and exit.  A regular
 * pass takes at most PTP_PASS_BUDGET records of each thread, and starts
 * where the last one was stopped by a full pipe: under overload the
 * threads take turns instead of the first one in the list taking all. */
static enum ptp_pass_result ptp_pass(uint64_t deadline, struct ptp_thread *only)
{
	static int was_idle;
	struct ptp_thread *t, *next, *first;
	int worked = 0, forced = deadline != PTP_DL_KEEP && deadline != PTP_DL_NOW;
	int lap2 = 0;
	uint64_t budget = deadline == PTP_DL_KEEP ? PTP_PASS_BUDGET : UINT64_MAX;

	ptp_clock_update();
	ptp_check_connection(forced, forced || (was_idle && !only));
	was_idle = 0;
	if (ptp_out_len > 0 && ptp_out_write(deadline) < 0)
		return PTP_BLOCKED;
	/* The exact figures before the sample of events. */
	if (ptp_stats_pass(deadline, only) < 0)
		return PTP_BLOCKED;
	if (only) {
		if (ptp_drain(only, deadline, UINT64_MAX) < 0)
			return PTP_BLOCKED;
	} else {
		/* From ptp_rr to the end of the list, then from its head to
		 * where we started.  A thread reaped meanwhile may make the
		 * second lap go on to the end: served twice, no harm. */
		first = ptp_rr ? ptp_rr
			       : atomic_load_explicit(&ptp_g.threads, memory_order_acquire);
		for (t = first; t; t = next) {
			next = t->next;
			if (!next && !lap2) {
				lap2 = 1;
				next = atomic_load_explicit(&ptp_g.threads, memory_order_acquire);
			}
			/* (next == t: the second lap would start with t,
			 * which serving may free.) */
			if (lap2 && (next == first || next == t))
				next = NULL;
			if (ptp_serve(t, deadline, budget, &worked) < 0) {
				/* t got its batch; the next pass starts after it. */
				ptp_rr = t->next;
				return PTP_BLOCKED;
			}
		}
	}
	if (ptp_out_len > 0 && ptp_out_write(deadline) < 0)
		return PTP_BLOCKED;
	was_idle = !worked;
	return worked ? PTP_WORKED : PTP_IDLE;
}

/* ---- sync mode --------------------------------------------------------- */

void ptp_sync_emit(struct ptp_thread *t)
{
	pthread_mutex_lock(&ptp_g.lock);
	ptp_pass(ptp_g.lossless ? PTP_DL_NEVER : PTP_DL_NOW, t);
	pthread_mutex_unlock(&ptp_g.lock);
}

/* A thread ends in sync mode: write what it left and its tally, forget
 * it (or keep it for its tally, written at exit at the latest). */
void ptp_sync_thread_gone(struct ptp_thread *t)
{
	uint64_t dl = ptp_g.lossless ? PTP_DL_NEVER : PTP_DL_NOW;

	pthread_mutex_lock(&ptp_g.lock);
	ptp_pass(dl, t);
	if (ptp_out_len > 0)
		ptp_out_write(dl);
	ptp_retire(t, dl);
	pthread_mutex_unlock(&ptp_g.lock);
}

/* ---- the flusher thread ------------------------------------------------ */

static uint64_t ptp_flush_deadline(void)
{
	return ptp_g.lossless ? PTP_DL_NEVER : ptp_mono_ns() + PTP_FLUSH_WAIT_NS;
}

void ptp_flusher_kick(void)
{
	/* seq_cst both, against the flusher's store of fl_asleep and its
	 * futex's read of fl_kick: either it sees the new count, or we see
	 * it asleep and wake it. */
	atomic_fetch_add(&ptp_g.fl_kick, 1);
	if (atomic_load(&ptp_g.fl_asleep))
		syscall(SYS_futex, &ptp_g.fl_kick, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* After an idle pass: sleeps until kicked after `kick` was read (before
 * that pass), or 10 ms, when the periodic work is due (stats, probing the
 * reader, retrying the FIFO).  Without the lock: a lossless producer that
 * kicks us does not take it, but others would wait on it meanwhile. */
static void ptp_flusher_sleep(uint32_t kick)
{
	struct timespec d = { 0, 10000000 };
	long rc;
	struct ptp_thread *t;

	atomic_store(&ptp_g.fl_asleep, 1);
	atomic_thread_fence(memory_order_seq_cst);
	pthread_mutex_unlock(&ptp_g.lock);
	rc = syscall(SYS_futex, &ptp_g.fl_kick, FUTEX_WAIT_PRIVATE, kick, &d, NULL, 0);
	pthread_mutex_lock(&ptp_g.lock);
	atomic_store_explicit(&ptp_g.fl_asleep, 0, memory_order_relaxed);
	if (rc == 0 || errno != ETIMEDOUT)
		return;
	/* Slept the whole time while a thread waited for room: its kick (made
	 * before it set wait_tail) was lost, or the passes since stopped
	 * short of draining its ring. */
	for (t = atomic_load(&ptp_g.threads); t; t = t->next) {
		uint64_t want = atomic_load(&t->wait_tail);

		if (want && atomic_load_explicit(&t->tail, memory_order_relaxed) < want &&
		    atomic_load(&ptp_g.fl_kick) == kick) {
			atomic_fetch_add_explicit(&ptp_g.fl_missed, 1, memory_order_relaxed);
			break;
		}
	}
}

static void *ptp_flusher_main(void *arg)
{
	sigset_t all;

	/* Signals go to the program's own threads; a SIGPIPE raised by our
	 * writes stays pending here, harmless. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	ptp_thread_set_off();
	ptp_fifo_mark_flusher();
	pthread_mutex_lock(&ptp_g.lock);
	while (!ptp_g.stop) {
		/* Read before the pass: a kick during it (a producer waiting
		 * for room in a ring the pass found empty) is not slept over. */
		uint32_t kick = atomic_load(&ptp_g.fl_kick);
		uint64_t req = ptp_g.flush_req;
		int forced = req != ptp_g.flush_done;
		enum ptp_pass_result r;

		r = ptp_pass(forced ? ptp_flush_deadline() : PTP_DL_KEEP, NULL);
		if (forced) {
			ptp_g.flush_done = req;
			pthread_cond_broadcast(&ptp_g.done);
		}
		if (r == PTP_WORKED) {
			/* Let waiting pt_flush() callers in between passes. */
			if (atomic_load_explicit(&ptp_flush_waiting, memory_order_relaxed)) {
				pthread_mutex_unlock(&ptp_g.lock);
				sched_yield();
				pthread_mutex_lock(&ptp_g.lock);
			}
		} else if (r == PTP_BLOCKED) {
			pthread_mutex_unlock(&ptp_g.lock);
			ptp_fifo_wait_writable(10);
			pthread_mutex_lock(&ptp_g.lock);
		} else if (r == PTP_IDLE && ptp_g.flush_req == ptp_g.flush_done &&
			   !ptp_g.stop) {
			ptp_flusher_sleep(kick);
		}
	}
	pthread_mutex_unlock(&ptp_g.lock);
	return arg;
}

int ptp_flusher_start(void)
{
	pthread_attr_t attr;
	sigset_t all, old;
	int err;

	ptp_g.stop = 0;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	/* Start with every signal blocked so none is delivered to the new
	 * thread before it blocks them itself. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&ptp_g.flusher, &attr, ptp_flusher_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (err)
		return -1;
	ptp_g.flusher_running = 1;
	return 0;
}

void ptp_flush_after_fork(void)
{
	struct ptp_thread *t;

	ptp_connected = ptp_fifo_fd() >= 0;
	ptp_out_sent();
	ptp_fifo_new_process();
	/* The child's threads (the forking one) start their accounts anew. */
	ptp_rr = NULL;
	ptp_stats_after_fork();
	ptp_nthreads = 0;
	ptp_retired = 0;
	ptp_final = 0;
	for (t = atomic_load(&ptp_g.threads); t; t = t->next) {
		t->consumed = t->lost_total = t->stop_at = 0;
		t->counted = t->tallied = 0;
		ptp_retired += t->retired;
	}
	if (!ptp_g.sync) {
		ptp_g.flusher_running = 0;
		ptp_g.flush_req = ptp_g.flush_done = 0;
		/* The parent's flusher may have been asleep when we forked. */
		atomic_store(&ptp_g.fl_asleep, 0);
		if (ptp_flusher_start() != 0)
			atomic_store(&ptp_g.state, PTP_OFF);
	}
}

void pt_flush(void)
{
	uint64_t req, stall;

	if (atomic_load(&ptp_g.state) != PTP_ON || ptp_g.sync)
		return;         /* sync mode has nothing buffered */
	ptp_publish_own_drops();
	stall = ptp_stall_begin();
	atomic_fetch_add(&ptp_flush_waiting, 1);
	pthread_mutex_lock(&ptp_g.lock);
	atomic_fetch_sub(&ptp_flush_waiting, 1);
	req = ++ptp_g.flush_req;
	ptp_flusher_kick();
	while (ptp_g.flush_done < req && ptp_g.flusher_running)
		pthread_cond_wait(&ptp_g.done, &ptp_g.lock);
	pthread_mutex_unlock(&ptp_g.lock);
	ptp_stall_end(stall);
}

/* Exit, first part: write what the threads buffered until `dl`, taking
 * turns as the flusher does; what remains then is counted as lost.  Only
 * what was buffered when this began: threads still running meanwhile
 * would keep us waiting for nothing. */
static void ptp_final_drain(uint64_t dl)
{
	struct ptp_thread *t;

	ptp_check_connection(1, 1);
	for (t = atomic_load(&ptp_g.threads); t; t = t->next)
		t->stop_at = atomic_load_explicit(&t->head, memory_order_acquire);
	ptp_final = 1;
	for (;;) {
		enum ptp_pass_result r = ptp_pass(PTP_DL_KEEP, NULL);
		uint64_t now = ptp_mono_ns();

		if (now >= dl)
			dl = ptp_exit_extend(dl);
		if (r == PTP_IDLE || now >= dl)
			break;
		if (r == PTP_BLOCKED)
			ptp_fifo_wait_writable((int)((dl - now) / 1000000u) + 1 < 10
					       ? (int)((dl - now) / 1000000u) + 1 : 10);
	}
	ptp_final = 0;
	for (t = atomic_load(&ptp_g.threads); t; t = t->next) {
		if (t->ring)
			ptp_lose(t, atomic_load(&t->tail),
				 atomic_load_explicit(&t->head, memory_order_acquire));
		ptp_take_news(t);
	}
}

/* The final lines, packed into as few writes as possible.  full: each
 * thread's name (if this reader has not got it) and pending drops before
 * its tally; else tallies only (they say all a drop line would). */
static void ptp_final_batch(int status, uint64_t dl, int full)
{
	struct ptp_thread *t;
	char *p;

	for (t = atomic_load(&ptp_g.threads); t; t = t->next) {
		uint64_t ns;

		if (t->tallied)
			continue;
		p = ptp_room(NULL, PTP_THREAD_MAX + PTP_DROP_MAX + PTP_TALLY_MAX, dl, 0);
		if (!p)
			return;         /* no reader: nothing to tell */
		ns = ptp_meta_ns(t, 0);
		if (full && t->announced != ptp_fifo_gen())
			p = ptp_put_thread(p, t, ns);
		if (full && t->lost)
			p = ptp_put_drop(p, t, ns);
		ptp_commit(ptp_put_tally(p, t, ns));
	}
	p = ptp_room(NULL, PTP_PREFIX_MAX + 48, dl, 0);
	if (p) {
		p = ptp_head(p, "bye", 3, ptp_mono_ns(), NULL);
		if (status >= 0) {
			p = PTP_PUT_U64(p, ",\"status\":", (uint64_t)status);
		}
		p = PTP_PUT_U64(p, ",\"threads\":", ptp_nthreads);
		p = PTP_PUTS(p, "}\n");
		ptp_commit(p);
		ptp_out_write(dl);
	}
}

/* Exit, second part: every thread's tally, then bye, written with a wait
 * until `dl`, then given up.  The batch left from the first part (a
 * thread's events) gets one try: its fate must be known before the
 * tallies are made, and they matter more.  Tallies and bye go together,
 * so that a reader gets all of them or (with one write) none; when that
 * write is given up, the shortest form gets one more try - a pipe too
 * full for a batch may still take a few lines in the room left in its
 * last page. */
static void ptp_final_lines(int status, uint64_t dl)
{
	struct ptp_thread *t;
	uint64_t written, given_up;

	if (ptp_out_len > 0 && ptp_out_owner)
		ptp_out_write(PTP_DL_NOW);
	for (t = atomic_load(&ptp_g.threads); t; t = t->next)
		if (!t->tallied && !t->counted) {
			t->counted = 1;
			ptp_nthreads++;
		}
	written = ptp_batches_written;
	given_up = ptp_batches_given_up;
	ptp_final_batch(status, dl, 1);
	if (ptp_batches_given_up != given_up && ptp_batches_written == written &&
	    ptp_connected)
		ptp_final_batch(status, PTP_DL_NOW, 0);
}

/* Normal exit: write everything and say bye, waiting for the reader a
 * bounded time: 100 ms, or 2 s in lossless mode. */
void ptp_flusher_stop_and_bye(int status)
{
	uint64_t start, wait, final;

	/* Set before taking the lock: a lossless wait may be holding it. */
	atomic_store(&ptp_g.stop, 1);
	if (!ptp_g.sync && ptp_g.flusher_running) {
		ptp_flusher_kick();
		pthread_join(ptp_g.flusher, NULL);
	}
	pthread_mutex_lock(&ptp_g.lock);
	if (ptp_g.flusher_running) {
		/* pt_flush() callers in other threads stop waiting. */
		ptp_g.flusher_running = 0;
		pthread_cond_broadcast(&ptp_g.done);
	}
	start = ptp_mono_ns();
	wait = ptp_g.lossless ? PTP_EXIT_WAIT_LOSSLESS_NS : PTP_EXIT_WAIT_NS;
	final = ptp_g.lossless ? PTP_EXIT_FINAL_LOSSLESS_NS : PTP_EXIT_FINAL_NS;
	ptp_exit_start = start;
	/* Every thread's statistics first: the exact figures matter more than
	 * the last events. */
	ptp_check_connection(1, 1);
	ptp_exit_unread = ptp_fifo_unread();
	ptp_exit_bytes = ptp_bytes_written;
	ptp_exit_took = 0;
	if (ptp_connected)
		ptp_stats_final(NULL, start + wait - final);
	ptp_final_drain(start + wait - final);
	/* (An extended drain still leaves the final lines their share.) */
	if (ptp_mono_ns() + final > start + wait)
		wait = ptp_mono_ns() + final - start;
	ptp_final_lines(status, start + wait);
	pthread_mutex_unlock(&ptp_g.lock);
}
