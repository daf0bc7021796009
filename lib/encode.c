/* encode.c - the JSON pieces libpipetrace writes: escaped strings and
 * decimal integers, formatted by hand (several times faster than snprintf).
 *
 * Everything here is pure and async-signal-safe: the crash handler uses it.
 */
#include <config.h>

#include <string.h>

#include "internal.h"

static const char ptp_hex[] = "0123456789abcdef";

/* Two digits at a time (see ptp_fmt_u64 in internal.h). */
const char ptp_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

char *ptp_fmt_i64(char *p, int64_t v)
{
	if (v < 0) {
		*p++ = '-';
		return ptp_fmt_u64(p, (uint64_t)0 - (uint64_t)v);
	}
	return ptp_fmt_u64(p, (uint64_t)v);
}

/* An address as 0x and lowercase hex digits, no leading zeros. */
char *ptp_hex_addr(char *p, uintptr_t a)
{
	char hex[2 * sizeof a];
	int n = 0;

	p = PTP_PUTS(p, "0x");
	do {
		hex[n++] = ptp_hex[a & 15];
		a >>= 4;
	} while (a);
	while (n)
		*p++ = hex[--n];
	return p;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when the
 * byte at s does not start one (overlong forms, surrogates and code points
 * past U+10FFFF are invalid too). */
static size_t ptp_utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* Encodes the character at s into out (up to 6 bytes); returns how many
 * input bytes it consumed and stores the output length in *olen. */
static size_t ptp_json_char(const unsigned char *s, size_t n, char *out,
			    size_t *olen)
{
	unsigned c = s[0];
	size_t len;

	if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
		out[0] = (char)c;
		*olen = 1;
		return 1;
	}
	if (c < 0x80) {
		const char *esc = NULL;

		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\t': esc = "\\t"; break;
		case '\r': esc = "\\r"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		}
		if (esc) {
			out[0] = esc[0];
			out[1] = esc[1];
			*olen = 2;
			return 1;
		}
		/* Other C0 controls and DEL. */
		memcpy(out, "\\u00", 4);
		out[4] = ptp_hex[c >> 4];
		out[5] = ptp_hex[c & 15];
		*olen = 6;
		return 1;
	}
	len = ptp_utf8_len(s, n);
	if (len == 0) {
		memcpy(out, "\xef\xbf\xbd", 3); /* U+FFFD */
		*olen = 3;
		return 1;
	}
	if (len == 2 && c == 0xc2 && s[1] < 0xa0) {
		/* C1 controls (U+0080..U+009F) would reach terminals as CSI &c. */
		memcpy(out, "\\u00", 4);
		out[4] = ptp_hex[s[1] >> 4];
		out[5] = ptp_hex[s[1] & 15];
		*olen = 6;
		return 2;
	}
	memcpy(out, s, len);
	*olen = len;
	return len;
}

/* Writes `"src"` JSON-escaped into dst, at most cap bytes (cap >= 5).  When
 * the whole string does not fit, it is cut on a character boundary and ends
 * with "…".  Returns the number of bytes written. */
size_t ptp_json_str(char *dst, size_t cap, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	char tmp[6];
	size_t need = 2, olen, i, o, budget;

	for (i = 0; i < len && need <= cap;) {
		i += ptp_json_char(s + i, len - i, tmp, &olen);
		need += olen;
	}
	/* Room for the closing quote, and for "…" when the string is cut. */
	budget = (i >= len && need <= cap) ? cap - 1 : cap - 1 - 3;
	o = 0;
	dst[o++] = '"';
	for (i = 0; i < len;) {
		size_t used = ptp_json_char(s + i, len - i, tmp, &olen);

		if (o + olen > budget)
			break;
		memcpy(dst + o, tmp, olen);
		o += olen;
		i += used;
	}
	if (i < len) {
		memcpy(dst + o, "\xe2\x80\xa6", 3);
		o += 3;
	}
	dst[o++] = '"';
	return o;
}
