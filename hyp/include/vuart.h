/* A virtual PL011 per VM (hyp/core/vuart.c): output goes to the physical
 * console a line (or a burst) at a time, each line behind the VM's name;
 * input comes from the console multiplexer (console.c) while the VM has the
 * focus. */
#ifndef HYP_VUART_H
#define HYP_VUART_H
#include <stdbool.h>
#include <stdint.h>
#include <tzv/spinlock.h>

#define VUART_RX_SIZE  256U
#define VUART_LINE_MAX 256U
/* What one VM may write to the shared console: a burst, then a rate. */
#define VUART_BURST (64U * 1024U)
#define VUART_RATE  (32U * 1024U) /* bytes per second */
#define VUART_SPI   33U		  /* the PL011's interrupt on virt, as the guest expects */

struct vuart {
	spinlock_t lock;
	uint8_t rx[VUART_RX_SIZE];
	unsigned rx_head, rx_count, rx_dropped;
	bool input_waits;     /* the console paused: the queue is full */
	bool deaf;	      /* it left a full queue unread for a second */
	uint64_t waits_since; /* counter value when the console paused */
	uint32_t imsc, cr, lcr_h, ibrd, fbrd, ifls;
	char prefix[24];	   /* "[name] " on the console */
	char line[VUART_LINE_MAX]; /* output not yet on the console */
	unsigned line_len;
	uint8_t esc;		      /* where in an escape sequence its output is */
	uint64_t last_tx;	      /* counter value at the last character */
	uint64_t budget, budget_time; /* output allowance (bytes) and when */
	uint64_t dropped;	      /* bytes dropped since the last note */
};

struct vm;
void vuart_reset(struct vm *vm);
bool vuart_input_ready(struct vm *vm);
void vuart_receive(struct vm *vm, uint8_t c);
void vuart_flush_line(struct vm *vm);
void vuart_flush_partial(void);

#endif
