/* pal_log: a small printf into one SYS_LOG line (truncated at 256 bytes).
 * Conversions: %c %s %d %i %u %x %X %p %%, with a '0' flag, a width and the
 * h/l/ll/z length modifiers. */
#include <stdarg.h>
#include <stdbool.h>

#include "pal.h"

struct out {
	char buf[PAL_LOG_MAX];
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len < sizeof(o->buf))
		o->buf[o->len++] = c;
}

static void put_num(struct out *o, uint64_t v, unsigned base, bool neg, bool upper, char pad,
		    int width)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg && pad == '0')
		put(o, '-');
	for (int w = n + (neg ? 1 : 0); w < width; w++)
		put(o, pad);
	if (neg && pad != '0')
		put(o, '-');
	while (n)
		put(o, tmp[--n]);
}

void pal_log(const char *fmt, ...)
{
	struct out o;
	va_list ap;

	o.len = 0;
	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		char pad = ' ';
		int width = 0, lng = 0;
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z' || *fmt == 'h'; fmt++)
			lng += *fmt != 'h';
		switch (*fmt) {
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);

			for (str = str ? str : "(null)"; *str; str++)
				put(&o, *str);
			break;
		}
		case 'd':
		case 'i':
			s = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			u = s < 0 ? -(uint64_t)s : (uint64_t)s;
			put_num(&o, u, 10, s < 0, false, pad, width);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			put_num(&o, u, *fmt == 'u' ? 10 : 16, false, *fmt == 'X', pad, width);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, false, '0', 16);
			break;
		case '\0':
			fmt--; /* a lone '%' at the end */
			break;
		default:
			put(&o, *fmt);
			break;
		}
	}
	va_end(ap);
	pal_sys_log(o.buf, o.len);
}
