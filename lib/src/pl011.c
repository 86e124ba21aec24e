/* Arm PL011 UART. */
#include <tzv/uart.h>

#define DR	0x00
#define FR	0x18
#define IMSC	0x38
#define ICR	0x44
#define FR_RXFE (1U << 4)
#define FR_TXFF (1U << 5)
#define INT_RX	(1U << 4)
#define INT_RT	(1U << 6)

static volatile uint32_t *reg(uintptr_t base, unsigned off)
{
	return (volatile uint32_t *)(base + off);
}

void uart_tx(uintptr_t base, char c)
{
	while (*reg(base, FR) & FR_TXFF)
		;
	*reg(base, DR) = (uint32_t)(unsigned char)c;
}

int uart_rx(uintptr_t base)
{
	if (*reg(base, FR) & FR_RXFE)
		return -1;
	return (int)(*reg(base, DR) & 0xffU);
}

/* Clearing the interrupt while characters wait loses it for good on QEMU's
 * model, which raises RX only when its FIFO goes from empty to not empty:
 * the caller drains the FIFO right after this. */
void uart_rx_irq_on(uintptr_t base)
{
	*reg(base, ICR) = 0x7ffU;
	*reg(base, IMSC) = INT_RX | INT_RT;
}

/* Masks or unmasks receive without clearing it: what waits in the FIFO
 * raises the interrupt again once unmasked. */
void uart_rx_irq_mask(uintptr_t base, bool masked)
{
	*reg(base, IMSC) = masked ? 0U : INT_RX | INT_RT;
}
