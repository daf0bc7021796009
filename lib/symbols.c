/* symbols.c - names of call sites and of -finstrument-functions addresses,
 * as cached JSON fragments `"fn":"…","file":"…","line":N`, built once per
 * site or address by the consumer so that each event only copies them.
 *
 * Addresses are named with elfutils' libdwfl when available (it reads the
 * ELF symbol table, so static functions get their names, and DWARF line
 * information gives file and line; it applies each module's load bias, so
 * PIE executables and shared libraries work), else with dladdr, which only
 * knows exported symbols.  C++ symbols are demangled when the process has
 * a C++ runtime (see ptp_demangle).  The address cache (addrmap.c) is
 * written by the holder of ptp_g.lock only, and the crash handler reads it
 * without a lock: it only ever finds finished fragments there, never calls
 * the resolvers or the demangler (neither is async-signal-safe).
 */
#include <config.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBDW
#include <elfutils/libdwfl.h>
#endif

#include "internal.h"

static struct ptp_amap ptp_syms;   /* address -> struct ptp_frag * (owned) */
static uint32_t ptp_frag_ids;           /* binary frames' function ids */

static struct ptp_frag *ptp_frag_make(const char *fn, size_t fnlen,
				      const char *file, int line)
{
	char buf[2 * PTP_NAME_MAX + 64], *p = buf;
	struct ptp_frag *f;
	size_t fn_len;

	p = PTP_PUTS(p, "\"fn\":");
	p += ptp_json_str(p, PTP_NAME_MAX, fn, fnlen);
	fn_len = (size_t)(p - buf);
	if (file && *file) {
		p = PTP_PUTS(p, ",\"file\":");
		p += ptp_json_str(p, PTP_NAME_MAX, file, strlen(file));
	}
	if (line > 0) {
		p = PTP_PUTS(p, ",\"line\":");
		p = ptp_fmt_i64(p, line);
	}
	if (fnlen > PTP_NAME_MAX)
		fnlen = PTP_NAME_MAX;
	f = malloc(sizeof *f + (size_t)(p - buf) + fnlen + 1);
	if (!f)
		return NULL;
	f->len = (size_t)(p - buf);
	f->fn_len = fn_len;
	f->id = ++ptp_frag_ids;
	f->sent = 0;
	memcpy(f->text, buf, f->len);
	memcpy(f->text + f->len, fn, fnlen);
	f->text[f->len + fnlen] = 0;
	f->name = f->text + f->len;
	return f;
}

struct ptp_frag *ptp_site_fragp(const pt_site_t *site)
{
	/* The library owns site->cache (see pipetrace.h); only the consumer
	 * touches it. */
	struct ptp_frag *f = site->cache;

	if (!f) {
		const char *fn = site->fn ? site->fn : "?";

		f = ptp_frag_make(fn, strlen(fn), site->file, site->line);
		((pt_site_t *)site)->cache = f;
	}
	return f;
}

const char *ptp_site_frag(const pt_site_t *site, size_t *len, size_t *fn_len)
{
	struct ptp_frag *f = ptp_site_fragp(site);

	if (!f) {
		*len = *fn_len = 8;
		return "\"fn\":\"?\"";
	}
	*len = f->len;
	*fn_len = f->fn_len;
	return f->text;
}

/* ---- C++ names --------------------------------------------------------- */

/* The C++ ABI's demangler.  It is there exactly when the process runs C++
 * code (libstdc++ and libc++ both define it), and a C++ program is the only
 * one with mangled names to show; looking it up at run time keeps the
 * library free of any C++ build or link dependency.  Looked up once, by
 * the consumer only (holder of ptp_g.lock), so no atomics. */
typedef char *ptp_demangle_fn(const char *mangled, char *buf, size_t *len,
			      int *status);
static ptp_demangle_fn *ptp_cxa_demangle;
static int ptp_demangle_looked;

/* The demangled form of a C++ symbol (malloc'd, the caller frees it), or
 * NULL when name is to be kept as it is: not a C++ name, demangling off
 * (PIPETRACE_DEMANGLE=0), no demangler in the process, or one that failed. */
static char *ptp_demangle(const char *name)
{
	char *out;
	int status = -1;

	if (name[0] != '_' || name[1] != 'Z' || ptp_g.no_demangle)
		return NULL;
	if (!ptp_demangle_looked) {
		void *sym = dlsym(RTLD_DEFAULT, "__cxa_demangle");

		/* POSIX guarantees that a function's address survives the trip
		 * through void *; memcpy says so without a cast ISO C frowns on. */
		memcpy(&ptp_cxa_demangle, &sym, sizeof ptp_cxa_demangle);
		ptp_demangle_looked = 1;
	}
	if (!ptp_cxa_demangle)
		return NULL;
	out = ptp_cxa_demangle(name, NULL, NULL, &status);
	if (status != 0 || !out) {
		free(out);
		return NULL;
	}
	return out;
}

/* The fragment of a symbol name, demangled when it is a C++ one; the
 * demangled string lives only until it is copied into the fragment. */
static struct ptp_frag *ptp_frag_sym(const char *name, const char *file, int line)
{
	char *dm = ptp_demangle(name);
	struct ptp_frag *f;

	if (dm)
		name = dm;
	f = ptp_frag_make(name, strlen(name), file, line);
	free(dm);
	return f;
}

/* ---- address -> name --------------------------------------------------- */

#ifdef HAVE_LIBDW
static Dwfl *ptp_dwfl;
static int ptp_dwfl_failed;

static const Dwfl_Callbacks ptp_dwfl_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

/* (Re)reads the process's modules; after dlopen() or fork() too. */
static int ptp_dwfl_report(void)
{
	if (!ptp_dwfl) {
		ptp_dwfl = dwfl_begin(&ptp_dwfl_callbacks);
		if (!ptp_dwfl)
			return -1;
	}
	dwfl_report_begin(ptp_dwfl);
	if (dwfl_linux_proc_report(ptp_dwfl, getpid()) != 0) {
		dwfl_report_end(ptp_dwfl, NULL, NULL);
		return -1;
	}
	return dwfl_report_end(ptp_dwfl, NULL, NULL);
}

static struct ptp_frag *ptp_resolve_dw(uintptr_t addr)
{
	Dwfl_Module *mod;
	const char *name, *file = NULL;
	int line = 0;

	if (ptp_dwfl_failed)
		return NULL;
	if (!ptp_dwfl && ptp_dwfl_report() != 0) {
		ptp_dwfl_failed = 1;
		return NULL;
	}
	mod = dwfl_addrmodule(ptp_dwfl, addr);
	if (!mod) {
		/* A module loaded since the last report. */
		if (ptp_dwfl_report() != 0)
			return NULL;
		mod = dwfl_addrmodule(ptp_dwfl, addr);
		if (!mod)
			return NULL;
	}
	name = dwfl_module_addrname(mod, addr);
	if (!name)
		return NULL;
	Dwfl_Line *l = dwfl_module_getsrc(mod, addr);
	if (l)
		file = dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);
	return ptp_frag_sym(name, file, file ? line : 0);
}
#endif

static struct ptp_frag *ptp_resolve(uintptr_t addr)
{
	char buf[PTP_NAME_MAX], *p;
	Dl_info info;

#ifdef HAVE_LIBDW
	struct ptp_frag *f = ptp_resolve_dw(addr);

	if (f)
		return f;
#endif
	if (dladdr((void *)addr, &info) && info.dli_sname &&
	    (uintptr_t)info.dli_saddr == addr)
		return ptp_frag_sym(info.dli_sname, NULL, 0);
	/* Unnamed: module+offset is stable from run to run despite ASLR. */
	p = buf;
	if (info.dli_fname && info.dli_fbase) {
		const char *base = strrchr(info.dli_fname, '/');
		size_t n;

		base = base ? base + 1 : info.dli_fname;
		n = strnlen(base, sizeof buf - 64);
		p = ptp_put(p, base, n);
		addr -= (uintptr_t)info.dli_fbase;
		*p++ = '+';
	}
	p = ptp_hex_addr(p, addr);
	return ptp_frag_make(buf, (size_t)(p - buf), NULL, 0);
}

/* The address's fragment, resolved and cached at its first use; NULL when
 * out of memory. */
static struct ptp_frag *ptp_addr_lookup(uintptr_t addr)
{
	struct ptp_frag *f = (struct ptp_frag *)ptp_amap_get(&ptp_syms, addr);

	if (!f) {
		f = ptp_resolve(addr);
		if (!f || ptp_amap_put(&ptp_syms, addr, (uintptr_t)f) != 0) {
			free(f);
			return NULL;
		}
	}
	return f;
}

struct ptp_frag *ptp_addr_fragp(uintptr_t addr)
{
	return ptp_addr_lookup(addr);
}

const char *ptp_addr_frag(uintptr_t addr, size_t *len, size_t *fn_len)
{
	struct ptp_frag *f = ptp_addr_lookup(addr);

	if (!f) {
		*len = *fn_len = 8;
		return "\"fn\":\"?\"";
	}
	*len = f->len;
	*fn_len = f->fn_len;
	return f->text;
}

const char *ptp_addr_name(uintptr_t addr)
{
	struct ptp_frag *f = ptp_addr_lookup(addr);

	return f ? f->name : "?";
}

/* For the crash handler: no allocation, no lock. */
const char *ptp_sym_cached_name(uintptr_t addr, size_t *len)
{
	struct ptp_frag *f = (struct ptp_frag *)ptp_amap_get(&ptp_syms, addr);

	if (!f)
		return NULL;
	/* Skip `"fn":`: what remains is the quoted name. */
	*len = f->fn_len - 5;
	return f->text + 5;
}
