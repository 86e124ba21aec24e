/* Console formatting and line ownership; the UART itself is the board's
 * driver (uart.h). */
#include <stdbool.h>
#include <tzv/console.h>
#include <tzv/spinlock.h>
#include <tzv/sysreg.h>
#include <tzv/uart.h>

static uintptr_t uart;
static const char *line_prefix = "";
static bool at_line_start = true;
static uint32_t line_owner; /* whoever wrote the partial line (its prefix's hash) */
static unsigned line_col;   /* characters it wrote there after its prefix */
static spinlock_t console_lock;

/* The line state every level shares once its MMU is on (console_share):
 * the levels are separate images, each with its own lock, so without it
 * a line of one world could cut into another's. It lives in normal-world
 * RAM, which the normal world can hold or spoil: a writer waits for its
 * lock at most SHARED_WAIT_US, then writes anyway (a line may be cut then;
 * nothing hangs). The bound is long: under emulation a line (a UART write
 * a character) can take milliseconds, and a hypervisor that holds the lock
 * only slows the secure world's few lines, as it could by not scheduling. */
struct console_shared {
	spinlock_t lock;
	volatile uint32_t owner, open, col;
};
static struct console_shared *shared;
#define SHARED_WAIT_US 100000U

void console_init(uintptr_t uart_base, const char *prefix)
{
	uart = uart_base;
	line_prefix = prefix;
}

void console_share(uintptr_t page, bool first)
{
	shared = (struct console_shared *)page;
	if (first) {
		shared->owner = shared->open = shared->col = 0;
		spin_unlock(&shared->lock);
	}
}

/* FNV-1a: the same prefix in every image is the same writer. */
static uint32_t writer_of(const char *prefix)
{
	uint32_t h = 2166136261U;

	while (*prefix)
		h = (h ^ (uint8_t)*prefix++) * 16777619U;
	return h;
}

/* Under the local lock: the shared lock if it comes in time, and the
 * line as the other levels left it. */
static bool shared_take(void)
{
	if (!shared)
		return false;
	uint64_t end = counter_ticks() + counter_freq() / 1000000U * SHARED_WAIT_US;
	while (!spin_trylock(&shared->lock))
		if (counter_ticks() > end)
			return false;
	at_line_start = !shared->open;
	line_owner = shared->owner;
	line_col = shared->col;
	return true;
}

static void shared_give(bool taken)
{
	if (!taken)
		return;
	shared->open = !at_line_start;
	shared->owner = line_owner;
	shared->col = line_col;
	spin_unlock(&shared->lock);
}

static void uart_putc(char c)
{
	if (uart)
		uart_tx(uart, c);
}

/* Every line starts with its writer's prefix; a writer that finds another
 * one's line unfinished starts a new line rather than glue onto it. A
 * backspace erases only the writer's own characters of the line (a line
 * editor's echo), never its prefix nor anyone else's text. */
static void put_from(const char *prefix, uint32_t writer, char c)
{
	if (c == '\b') {
		if (!at_line_start && line_owner == writer && line_col) {
			line_col--;
			uart_putc(c);
		}
		return;
	}
	if (!at_line_start && line_owner != writer) {
		uart_putc('\r');
		uart_putc('\n');
		at_line_start = true;
	}
	if (at_line_start) {
		for (const char *p = prefix; *p; p++)
			uart_putc(*p);
		at_line_start = false;
		line_owner = writer;
		line_col = 0;
	}
	line_col++;
	if (c == '\n') {
		uart_putc('\r');
		at_line_start = true;
	}
	uart_putc(c);
}

static uint32_t own_writer; /* line_prefix's, once known */

void console_putc(char c)
{
	if (!own_writer)
		own_writer = writer_of(line_prefix);
	put_from(line_prefix, own_writer, c);
}

void console_write_from(const char *prefix, const char *s, size_t n)
{
	uint32_t writer = writer_of(prefix);

	spin_lock(&console_lock);
	bool taken = shared_take();
	for (size_t i = 0; i < n; i++)
		put_from(prefix, writer, s[i]);
	shared_give(taken);
	spin_unlock(&console_lock);
}

int console_getc(void)
{
	return uart ? uart_rx(uart) : -1;
}

void console_enable_rx_irq(void)
{
	if (uart)
		uart_rx_irq_on(uart);
}

void console_rx_pause(void)
{
	if (uart)
		uart_rx_irq_mask(uart, true);
}

void console_rx_resume(void)
{
	if (uart)
		uart_rx_irq_mask(uart, false);
}

struct sink {
	char *buf;
	size_t size, len;
	bool to_console;
};

static void emit(struct sink *s, char c)
{
	if (s->to_console)
		console_putc(c);
	else if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void emit_num(struct sink *s, unsigned long long v, unsigned base, int width, char pad,
		     bool neg)
{
	char tmp[24];
	int n = 0;

	do {
		unsigned d = (unsigned)(v % base);
		tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		emit(s, pad);
	while (n)
		emit(s, tmp[--n]);
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			emit(s, *fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, lng = 0;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd': {
			long long v = lng ? va_arg(ap, long) : va_arg(ap, int);
			bool neg = v < 0;
			emit_num(s, neg ? 0ULL - (unsigned long long)v : (unsigned long long)v, 10,
				 width, pad, neg);
			break;
		}
		case 'u':
		case 'x': {
			unsigned long long v =
			    lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			emit_num(s, v, *fmt == 'u' ? 10 : 16, width, pad, false);
			break;
		}
		case 'p':
			emit(s, '0');
			emit(s, 'x');
			emit_num(s, (uintptr_t)va_arg(ap, void *), 16, 0, ' ', false);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			while (*str)
				emit(s, *str++);
			break;
		}
		case 'c':
			emit(s, (char)va_arg(ap, int));
			break;
		case '%':
			emit(s, '%');
			break;
		default:
			emit(s, '%');
			if (*fmt)
				emit(s, *fmt);
			else
				fmt--;
		}
	}
}

void vpr(const char *fmt, va_list ap)
{
	struct sink s = {.to_console = true};

	spin_lock(&console_lock);
	bool taken = shared_take();
	format(&s, fmt, ap);
	shared_give(taken);
	spin_unlock(&console_lock);
}

void pr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpr(fmt, ap);
	va_end(ap);
}

int vsnprintf_(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = {.buf = buf, .size = size};

	format(&s, fmt, ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
}

int snprintf_(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf_(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pr("PANIC: ");
	vpr(fmt, ap);
	va_end(ap);
	cpu_halt();
}
