/* Console output shared by every level: a PL011 driven by polling, and a
 * small printf. Each level sets its own prefix so lines say who wrote them. */
#ifndef TZV_CONSOLE_H
#define TZV_CONSOLE_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void console_init(uintptr_t uart_base, const char *prefix);
/* From when this level's MMU is on: the line state all levels share, in
 * the page at CONSOLE_SHARED_BASE (first: the monitor, which clears it). */
void console_share(uintptr_t page, bool first);
void console_putc(char c);
/* Prints one message; each line starts with the level's prefix. */
void pr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vpr(const char *fmt, va_list ap);
/* Writes n characters at once on behalf of another writer (e.g. a VM),
 * whose lines start with its own prefix. */
void console_write_from(const char *prefix, const char *s, size_t n);
/* Reads one received character, or returns -1 if none is waiting. */
int console_getc(void);
/* Asks the UART to interrupt on received characters. */
void console_enable_rx_irq(void);
/* Stops and restarts taking received characters: while paused they wait in
 * the UART (and its sender), so none is lost. */
void console_rx_pause(void);
void console_rx_resume(void);
/* Formats into buf (always NUL-terminated); returns the untruncated length. */
int snprintf_(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf_(char *buf, size_t size, const char *fmt, va_list ap);

/* Prints the message, then halts this CPU forever. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Halts this CPU (lib/src/fatal.c; a bare-metal guest has its own). */
void cpu_halt(void) __attribute__((noreturn));

#endif
