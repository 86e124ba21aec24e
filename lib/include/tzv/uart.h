/* The board's console UART driver (lib/src/<driver>.c, chosen by the
 * board's board.mk). Polled transmit, polled or interrupt-driven receive. */
#ifndef TZV_UART_H
#define TZV_UART_H
#include <stdbool.h>
#include <stdint.h>

void uart_tx(uintptr_t base, char c);
/* A received character, or -1 if none waits. */
int uart_rx(uintptr_t base);
void uart_rx_irq_on(uintptr_t base);
void uart_rx_irq_mask(uintptr_t base, bool masked);

#endif
