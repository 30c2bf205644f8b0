// SPDX-License-Identifier: MIT
#include "lib/fmt.h"

#include <stdbool.h>
#include <stdint.h>

enum {
	F_LEFT = 1 << 0,
	F_ZERO = 1 << 1,
	F_PLUS = 1 << 2,
	F_SPACE = 1 << 3,
	F_ALT = 1 << 4,
	F_UPPER = 1 << 5,
};

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_ch(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_ch(o, c);
}

struct spec {
	unsigned flags;
	int width;
	int prec; /* -1: none */
	unsigned base;
};

/* Digits of v in base, least significant first; returns the count. */
static int num_digits(char *tmp, unsigned long long v, unsigned base, bool upper)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	do {
		tmp[n++] = dig[v % base];
		v /= base;
	} while (v);
	return n;
}

static void out_num(struct out *o, unsigned long long v, bool neg, const struct spec *s)
{
	char tmp[24];
	const char *prefix = "";
	int nd, zeros, plen, total;

	nd = (s->prec == 0 && v == 0) ? 0 : num_digits(tmp, v, s->base, s->flags & F_UPPER);
	if (neg)
		prefix = "-";
	else if (s->flags & F_PLUS)
		prefix = "+";
	else if (s->flags & F_SPACE)
		prefix = " ";
	else if ((s->flags & F_ALT) && s->base == 16 && v)
		prefix = (s->flags & F_UPPER) ? "0X" : "0x";
	else if ((s->flags & F_ALT) && s->base == 8 && v)
		prefix = "0";
	plen = 0;
	while (prefix[plen])
		plen++;
	zeros = s->prec > nd ? s->prec - nd : 0;
	if (s->base == 8 && plen && zeros)
		plen = 0, prefix = "";
	total = plen + zeros + nd;
	if ((s->flags & F_ZERO) && !(s->flags & F_LEFT) && s->prec < 0 && s->width > total) {
		zeros += s->width - total;
		total = s->width;
	}
	if (!(s->flags & F_LEFT))
		out_pad(o, ' ', s->width - total);
	for (int i = 0; i < plen; i++)
		out_ch(o, prefix[i]);
	out_pad(o, '0', zeros);
	while (nd > 0)
		out_ch(o, tmp[--nd]);
	if (s->flags & F_LEFT)
		out_pad(o, ' ', s->width - total);
}

static void out_str(struct out *o, const char *str, const struct spec *s)
{
	int n = 0;

	if (!str)
		str = "(null)";
	while (str[n] && (s->prec < 0 || n < s->prec))
		n++;
	if (!(s->flags & F_LEFT))
		out_pad(o, ' ', s->width - n);
	for (int i = 0; i < n; i++)
		out_ch(o, str[i]);
	if (s->flags & F_LEFT)
		out_pad(o, ' ', s->width - n);
}

static const char *parse_flags(const char *f, struct spec *s)
{
	for (;; f++) {
		switch (*f) {
		case '-': s->flags |= F_LEFT; break;
		case '0': s->flags |= F_ZERO; break;
		case '+': s->flags |= F_PLUS; break;
		case ' ': s->flags |= F_SPACE; break;
		case '#': s->flags |= F_ALT; break;
		default: return f;
		}
	}
}

static const char *parse_int(const char *f, int *v, va_list *ap)
{
	if (*f == '*') {
		*v = va_arg(*ap, int);
		return f + 1;
	}
	*v = 0;
	while (*f >= '0' && *f <= '9' && *v < 100000)
		*v = *v * 10 + (*f++ - '0');
	return f;
}

/* Length modifier: 0 int, 1 long, 2 long long, 3 size_t, -1 short, -2 char. */
static const char *parse_len(const char *f, int *len)
{
	*len = 0;
	if (f[0] == 'h' && f[1] == 'h')
		return *len = -2, f + 2;
	if (f[0] == 'h')
		return *len = -1, f + 1;
	if (f[0] == 'l' && f[1] == 'l')
		return *len = 2, f + 2;
	if (f[0] == 'l')
		return *len = 1, f + 1;
	if (f[0] == 'z' || f[0] == 't')
		return *len = 3, f + 1;
	if (f[0] == 'j')
		return *len = 2, f + 1;
	return f;
}

static unsigned long long arg_unsigned(va_list *ap, int len)
{
	switch (len) {
	case -2: return (unsigned char)va_arg(*ap, unsigned);
	case -1: return (unsigned short)va_arg(*ap, unsigned);
	case 1: return va_arg(*ap, unsigned long);
	case 2: return va_arg(*ap, unsigned long long);
	case 3: return va_arg(*ap, size_t);
	default: return va_arg(*ap, unsigned);
	}
}

static long long arg_signed(va_list *ap, int len)
{
	switch (len) {
	case -2: return (signed char)va_arg(*ap, int);
	case -1: return (short)va_arg(*ap, int);
	case 1: return va_arg(*ap, long);
	case 2: return va_arg(*ap, long long);
	case 3: return (long long)va_arg(*ap, size_t);
	default: return va_arg(*ap, int);
	}
}

static void out_conv(struct out *o, char c, struct spec *s, int len, va_list *ap)
{
	long long sv;

	switch (c) {
	case 'd':
	case 'i':
		sv = arg_signed(ap, len);
		s->base = 10;
		out_num(o, sv < 0 ? 0ULL - (unsigned long long)sv : (unsigned long long)sv, sv < 0,
			s);
		return;
	case 'u': s->base = 10; break;
	case 'X': s->flags |= F_UPPER; /* fallthrough */
	case 'x': s->base = 16; break;
	case 'o': s->base = 8; break;
	case 'p':
		s->base = 16;
		s->flags |= F_ALT;
		out_num(o, (uintptr_t)va_arg(*ap, void *), false, s);
		return;
	case 'c': {
		char ch[2] = { (char)va_arg(*ap, int), 0 };
		s->prec = 1;
		out_str(o, ch, s);
		return;
	}
	case 's': out_str(o, va_arg(*ap, const char *), s); return;
	default:
		out_ch(o, '%');
		out_ch(o, c);
		return;
	}
	s->flags &= ~(unsigned)(F_PLUS | F_SPACE);
	out_num(o, arg_unsigned(ap, len), false, s);
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		struct spec s = { 0, 0, -1, 10 };
		int len;

		if (*fmt != '%') {
			out_ch(&o, *fmt++);
			continue;
		}
		fmt++;
		if (*fmt == '%') {
			out_ch(&o, *fmt++);
			continue;
		}
		fmt = parse_flags(fmt, &s);
		fmt = parse_int(fmt, &s.width, &aq);
		if (s.width < 0) {
			s.flags |= F_LEFT;
			s.width = s.width == -2147483647 - 1 ? 0 : -s.width;
		}
		if (*fmt == '.') {
			fmt = parse_int(fmt + 1, &s.prec, &aq);
			if (s.prec < 0)
				s.prec = -1;
		}
		fmt = parse_len(fmt, &len);
		if (!*fmt)
			break;
		out_conv(&o, *fmt++, &s, len, &aq);
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > 0x7fffffff ? 0x7fffffff : (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int fmt_size(char *buf, size_t size, unsigned long long bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;

	while (u + 1 < sizeof(units) / sizeof(units[0]) && bytes >= 1024 && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	return fmt_snprintf(buf, size, "%llu%s", bytes, units[u]);
}
