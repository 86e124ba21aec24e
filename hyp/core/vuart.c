/* Virtual PL011: the subset Linux's amba-pl011 driver and earlycon use.
 * Every line a VM writes is printed behind its name; what it receives
 * comes from the console multiplexer (console.c). */
#include <tzv/console.h>
#include <vm.h>

#define DR	0x000
#define RSR	0x004
#define FR	0x018
#define IBRD	0x024
#define FBRD	0x028
#define LCR_H	0x02C
#define CR	0x030
#define IFLS	0x034
#define IMSC	0x038
#define RIS	0x03C
#define MIS	0x040
#define ICR	0x044
#define ID_BASE 0xFE0

#define FR_RXFE (1U << 4)
#define FR_TXFE (1U << 7)
#define INT_RX	(1U << 4)
#define INT_TX	(1U << 5)
#define INT_RT	(1U << 6)

enum { ESC_NONE, ESC_START, ESC_CSI, ESC_STRING }; /* vuart.esc */

/* PeriphID0-3 and CellID0-3 of an Arm PL011 r1p5, matched by the AMBA bus */
static const uint8_t pl011_id[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

static bool vuart_mmio(struct vcpu *v, uint64_t off, unsigned size, bool write, uint64_t *val);

void vuart_reset(struct vm *vm)
{
	struct vuart *u = &vm->uart;

	spin_lock(&u->lock);
	if (u->input_waits)
		console_rx_resume();
	u->input_waits = u->deaf = false;
	u->rx_head = u->rx_count = u->rx_dropped = 0;
	u->imsc = u->lcr_h = u->ibrd = u->fbrd = u->ifls = 0;
	u->cr = 0x300; /* TXE | RXE, as at reset */
	u->line_len = 0;
	u->esc = ESC_NONE;
	u->budget = VUART_BURST;
	u->budget_time = counter_ticks();
	u->dropped = 0;
	snprintf_(u->prefix, sizeof(u->prefix), "[%s] ", vm->cfg->name);
	spin_unlock(&u->lock);
	if (!vm->cfg->console)
		return;
	vgic_add_virtual_spi(vm, VUART_SPI, false);
	mmio_register(vm, UART0_BASE, 0x1000, vuart_mmio);
}

/* Transmit is always ready (output is written synchronously), so TXRIS
 * stays set; receive raises RX and receive-timeout while data waits. */
static uint32_t ris(const struct vuart *u)
{
	return INT_TX | (u->rx_count ? INT_RX | INT_RT : 0U);
}

static void update_irq(struct vm *vm)
{
	if (ris(&vm->uart) & vm->uart.imsc)
		vgic_inject(vgic_spi_target(vm, VUART_SPI), VUART_SPI, false);
}

/* Output is buffered so VMs writing at once interleave whole lines, not
 * characters; a partial line (a shell prompt) goes out at the first of the
 * VM's interrupts that comes 10 ms after its last character, i.e. once it
 * has stopped writing (vuart_flush_partial). */

/* Set (after the state it announces) when some VM has a partial line or
 * unread input, so that the interrupt path looks at one word, not at each
 * VM. Only vuart_flush_partial clears it, before it looks at the VMs: a
 * VM that sets it meanwhile either is seen by that look or sets it after
 * the clear (the barriers on both sides order the store of the state
 * before the flag, and the clear before the look). */
static volatile bool waiting;

static void mark_waiting(void)
{
	dmb(ish);
	waiting = true;
}

/* A VM that floods the console loses its own output, not anyone else's. */
static bool allowed(struct vuart *u, unsigned n)
{
	uint64_t now = counter_ticks();
	uint64_t refill = (now - u->budget_time) * VUART_RATE / counter_freq();

	if (refill) {
		u->budget = u->budget + refill > VUART_BURST ? VUART_BURST : u->budget + refill;
		u->budget_time = now;
	}
	/* once throttled, stay quiet until half the burst has grown back */
	if (u->budget < n || (u->dropped && u->budget < VUART_BURST / 2U)) {
		u->dropped += n;
		return false;
	}
	u->budget -= n;
	return true;
}

static void flush(struct vuart *u)
{
	if (allowed(u, u->line_len)) {
		if (u->dropped) {
			pr("%slost %lu bytes of its console output (more than %u bytes/s)\n",
			   u->prefix, (unsigned long)u->dropped, VUART_RATE);
			u->dropped = 0;
		}
		console_write_from(u->prefix, u->line, u->line_len);
	}
	u->line_len = 0;
}

/* What a VM may put on the shared console: printable ASCII, newline, tab
 * (moves only forward) and backspace (lib's console lets it erase only the
 * VM's own characters); a carriage return, BEL and escape sequences are
 * dropped, so a VM cannot move the cursor over lines that are not its own,
 * overwrite its name, retitle or reset the terminal, or make it answer a
 * query into another VM's input; other bytes print as '.'. */
static bool swallowed(struct vuart *u, char c)
{
	switch (u->esc) {
	case ESC_START: /* CSI, a string (OSC, DCS, ...), or a two-byte one */
		u->esc = c == '['						      ? ESC_CSI
			 : (c == ']' || c == 'P' || c == '_' || c == '^' || c == 'X') ? ESC_STRING
										      : ESC_NONE;
		return true;
	case ESC_CSI: /* parameters and intermediates, then one final byte */
		if (c < 0x20 || c > 0x3f)
			u->esc = ESC_NONE;
		return true;
	case ESC_STRING: /* up to BEL or ST (ESC \); a newline ends it too */
		if (c == '\a' || c == '\n' || c == 0x1b)
			u->esc = c == 0x1b ? ESC_START : ESC_NONE;
		return c != '\n';
	default:
		if (c == 0x1b)
			u->esc = ESC_START;
		return c == 0x1b || c == '\r' || c == '\a' || c == 0;
	}
}

static void tx(struct vm *vm, char c)
{
	struct vuart *u = &vm->uart;

	if (swallowed(u, c))
		return;
	if ((c < 0x20 && c != '\n' && c != '\t' && c != '\b') || (unsigned char)c >= 0x7f)
		c = '.';
	u->last_tx = counter_ticks();
	u->line[u->line_len++] = c;
	if (u->line_len == 1)
		mark_waiting();
	if (c == '\n' || u->line_len == VUART_LINE_MAX)
		flush(u);
}

static void flush_partial(struct vuart *u, bool now)
{
	if (!u->line_len || (!now && counter_ticks() - u->last_tx < counter_freq() / 100U))
		return;
	spin_lock(&u->lock);
	if (u->line_len)
		flush(u);
	spin_unlock(&u->lock);
}

/* A VM that has left its full queue unread for a second is taken as deaf:
 * the console goes on reading, and what does not fit is dropped. */
static void input_timeout(struct vm *vm)
{
	struct vuart *u = &vm->uart;

	if (!u->input_waits || counter_ticks() - u->waits_since < counter_freq())
		return;
	spin_lock(&u->lock);
	if (u->input_waits) {
		u->input_waits = false;
		u->deaf = true;
		console_rx_resume();
	}
	spin_unlock(&u->lock);
}

/* The timed part of vuart_flush_partial; out of line, so that the common
 * case (nothing waits) costs no stack frame on the interrupt path. */
static __attribute__((noinline)) void timeouts(void)
{
	bool more = false;

	waiting = false;
	dmb(ish);
	for (unsigned i = 0; i < vm_count; i++) {
		flush_partial(&vms[i].uart, false);
		input_timeout(&vms[i]);
		more |= vms[i].uart.line_len || vms[i].uart.input_waits;
	}
	if (more) /* not due yet */
		waiting = true;
}

/* Called on every interrupt any CPU takes: a VM that went idle right after
 * its prompt may take none itself for a long time. */
void vuart_flush_partial(void)
{
	if (waiting)
		timeouts();
}

/* Now, whatever the time: the VM's prompt when it gets the focus. */
void vuart_flush_line(struct vm *vm)
{
	flush_partial(&vm->uart, true);
}

static uint32_t rx(struct vuart *u)
{
	if (!u->rx_count)
		return 0;
	uint32_t c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1U) % VUART_RX_SIZE;
	u->rx_count--;
	u->deaf = false;
	if (!u->rx_count)
		u->rx_dropped = 0; /* the next loss is reported again */
	if (u->input_waits && u->rx_count <= VUART_RX_SIZE / 2U) {
		u->input_waits = false;
		console_rx_resume();
	}
	return c;
}

static uint64_t reg_read(struct vuart *u, uint32_t off)
{
	switch (off) {
	case DR:
		return rx(u);
	case FR:
		return FR_TXFE | (u->rx_count ? 0U : FR_RXFE);
	case IBRD:
		return u->ibrd;
	case FBRD:
		return u->fbrd;
	case LCR_H:
		return u->lcr_h;
	case CR:
		return u->cr;
	case IFLS:
		return u->ifls;
	case IMSC:
		return u->imsc;
	case RIS:
		return ris(u);
	case MIS:
		return ris(u) & u->imsc;
	default:
		if (off >= ID_BASE && off < ID_BASE + 32 && off % 4 == 0)
			return pl011_id[(off - ID_BASE) / 4];
		return 0;
	}
}

static void reg_write(struct vm *vm, uint32_t off, uint32_t val)
{
	struct vuart *u = &vm->uart;

	switch (off) {
	case DR:
		tx(vm, (char)(val & 0xffU));
		break;
	case IBRD:
		u->ibrd = val & 0xffffU;
		break;
	case FBRD:
		u->fbrd = val & 0x3fU;
		break;
	case LCR_H:
		u->lcr_h = val & 0xffU;
		break;
	case CR:
		u->cr = val & 0xffffU;
		break;
	case IFLS:
		u->ifls = val & 0x3fU;
		break;
	case IMSC:
		u->imsc = val & 0x7ffU;
		break;
	default:
		break; /* ICR: TX stays asserted, RX follows the FIFO; RSR etc. */
	}
}

static bool vuart_mmio(struct vcpu *v, uint64_t off, unsigned size, bool write, uint64_t *val)
{
	struct vm *vm = v->vm;

	if (size > 4)
		return false;
	spin_lock(&vm->uart.lock);
	if (write)
		reg_write(vm, (uint32_t)off, (uint32_t)*val);
	else
		*val = reg_read(&vm->uart, (uint32_t)off);
	spin_unlock(&vm->uart.lock);
	update_irq(vm);
	return true;
}

/* Whether the console may hand the VM its next input character now. While
 * its queue is full and the VM reads it (receive interrupt unmasked), the
 * console pauses so the character waits in the UART instead of being lost;
 * a VM that does not read loses what does not fit, so that the focus key
 * still gets through. */
bool vuart_input_ready(struct vm *vm)
{
	struct vuart *u = &vm->uart;

	spin_lock(&u->lock);
	bool ready = u->rx_count < VUART_RX_SIZE || !(u->imsc & (INT_RX | INT_RT)) || u->deaf;
	if (!ready && !u->input_waits) {
		u->input_waits = true;
		u->waits_since = counter_ticks();
		mark_waiting();
		console_rx_pause();
	}
	spin_unlock(&u->lock);
	return ready;
}

/* A character from the console while the VM has the focus. */
void vuart_receive(struct vm *vm, uint8_t c)
{
	struct vuart *u = &vm->uart;
	bool first_lost = false;

	spin_lock(&u->lock);
	if (u->rx_count < VUART_RX_SIZE) {
		u->rx[(u->rx_head + u->rx_count) % VUART_RX_SIZE] = c;
		u->rx_count++;
	} else {
		first_lost = u->rx_dropped++ == 0; /* its input is lost, no one else's */
	}
	spin_unlock(&u->lock);
	if (first_lost)
		vm_log(vm,
		       "%s does not read its console input: what does not fit in its %u-byte queue "
		       "is dropped until it does\n",
		       vm->cfg->name, VUART_RX_SIZE);
	update_irq(vm);
}
