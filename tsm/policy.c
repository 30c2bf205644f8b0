// SPDX-License-Identifier: MIT
/* TSM policy parsing and the measurement-record check; see tsm/policy.h. */
#include "tsm/policy.h"

#include <string.h>

#include "lib/bits.h"
#include "lib/err.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parses 1..`max` hex digits; *s moves past them. */
static int parse_hex(const char **s, unsigned max, u32 *out)
{
	unsigned n = 0;
	u32 v = 0;

	while (hexval(**s) >= 0) {
		if (++n > max)
			return trace_err(-E_INVAL);
		v = v << 4 | (u32)hexval(**s);
		(*s)++;
	}
	if (n == 0)
		return trace_err(-E_INVAL);
	*out = v;
	return 0;
}

/* "SSSS:BB:DD.F" or "BB:DD.F". */
static int parse_one_dev(const char **s, struct tsm_dev_sel *d)
{
	u32 f[3], fn, seg, bus, dev;
	unsigned n = 0;

	for (;;) {
		if (parse_hex(s, 4, &f[n++]))
			return trace_err(-E_INVAL);
		if (**s != ':' || n == 3)
			break;
		(*s)++;
	}
	if (**s != '.' || n < 2)
		return trace_err(-E_INVAL);
	(*s)++;
	if (parse_hex(s, 1, &fn) || fn > 7)
		return trace_err(-E_INVAL);
	seg = n == 3 ? f[0] : 0;
	bus = f[n - 2];
	dev = f[n - 1];
	if (bus > 255 || dev > 31)
		return trace_err(-E_INVAL);
	d->segment = (u16)seg;
	d->bdf = (u16)(bus << 8 | dev << 3 | fn);
	return 0;
}

int tsm_parse_devices(const char *s, struct tsm_connect_policy *pol)
{
	struct tsm_dev_sel sel[TSM_POLICY_MAX_DEVS];
	unsigned n = 0;

	for (;;) {
		if (n == TSM_POLICY_MAX_DEVS)
			return trace_err(-E_NOSPC);
		if (parse_one_dev(&s, &sel[n++]))
			return trace_err(-E_INVAL);
		if (*s != ',')
			break;
		s++; /* a comma must be followed by another device */
	}
	if (*s)
		return trace_err(-E_INVAL);
	memcpy(pol->devs, sel, sizeof(sel[0]) * n);
	pol->ndevs = n;
	return 0;
}

int tsm_parse_meas(const char *s, struct tsm_connect_policy *pol)
{
	u8 req[32] = { 0 };

	for (;;) {
		unsigned v = 0, digits = 0;

		while (*s >= '0' && *s <= '9' && digits++ < 3)
			v = v * 10 + (unsigned)(*s++ - '0');
		/* DSP0274 1.2: indices 1..0xFE name blocks (0 and 0xFF are request codes). */
		if (digits == 0 || v < 1 || v > 254 || (*s >= '0' && *s <= '9'))
			return trace_err(-E_INVAL);
		req[v / 8] |= (u8)(1u << (v % 8));
		if (*s != ',')
			break;
		s++;
	}
	if (*s)
		return trace_err(-E_INVAL);
	memcpy(pol->meas_required, req, sizeof(req));
	return 0;
}

int tsm_parse_anchor(const char *s, struct tsm_connect_policy *pol)
{
	size_t n = strlen(s);
	u8 d[64];

	if (n != 64 && n != 96 && n != 128)
		return trace_err(-E_INVAL);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return trace_err(-E_INVAL);
		d[i] = (u8)(hi << 4 | lo);
	}
	memcpy(pol->anchor_digest, d, n / 2);
	pol->anchor_digest_len = (u8)(n / 2);
	return 0;
}

int tsm_parse_ide(const char *s, struct tsm_connect_policy *pol)
{
	unsigned v = 0, digits = 0;

	if (strcmp(s, "off") == 0) {
		pol->ide = TSM_IDE_OFF;
		return 0;
	}
	while (*s >= '0' && *s <= '9' && digits++ < 3)
		v = v * 10 + (unsigned)(*s++ - '0');
	if (digits == 0 || v > 255 || (*s && strcmp(s, ":link") != 0))
		return trace_err(-E_INVAL);
	pol->ide = *s ? TSM_IDE_LINK : TSM_IDE_ON;
	pol->ide_stream = (u8)v;
	return 0;
}

int tsm_parse_reset(const char *s, struct tsm_connect_policy *pol)
{
	if (strcmp(s, "keep") && strcmp(s, "reconnect"))
		return trace_err(-E_INVAL);
	pol->reconnect_on_reset = !strcmp(s, "reconnect");
	return 0;
}

bool tsm_policy_selects(const struct tsm_connect_policy *pol, u16 segment, u16 bdf)
{
	if (pol->ndevs == 0)
		return (bdf & 7) == 0;
	for (unsigned i = 0; i < pol->ndevs; i++)
		if (pol->devs[i].segment == segment && pol->devs[i].bdf == bdf)
			return true;
	return false;
}

int tsm_meas_check(const u8 *rec, size_t len, unsigned nblocks,
		   const struct tsm_connect_policy *pol, unsigned *missing)
{
	u8 seen[32] = { 0 };
	size_t off = 0;

	for (unsigned b = 0; b < nblocks; b++) {
		size_t size;

		if (len - off < 4)
			return trace_err(-E_PROTO);
		size = get_le16(rec + off + 2);
		if (len - off - 4 < size)
			return trace_err(-E_PROTO);
		seen[rec[off] / 8] |= (u8)(1u << (rec[off] % 8));
		off += 4 + size;
	}
	if (off != len)
		return trace_err(-E_PROTO);
	for (unsigned i = 0; i < 256; i++) {
		if ((pol->meas_required[i / 8] >> (i % 8) & 1) && !(seen[i / 8] >> (i % 8) & 1)) {
			*missing = i;
			return trace_err(-E_NOENT);
		}
	}
	return 0;
}
