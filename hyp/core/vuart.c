/* Virtual PL011 (the subset Linux's amba-pl011 driver and earlycon use) and
 * the console multiplexer: every line a VM writes is printed behind its
 * name; input goes to the VM in focus, moved by Ctrl-T three times;
 * Ctrl-T Ctrl-T s prints the hypervisor's exit counters. */
#include <hyp.h>
#include <tzv/console.h>
#include <tzv/string.h>
#include <tzv/sysreg.h>

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

/* PeriphID0-3 and CellID0-3 of an Arm PL011 r1p5, matched by the AMBA bus */
static const uint8_t pl011_id[8] = {0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

static unsigned focus;	     /* index of the VM that gets console input */
static unsigned console_cpu; /* where the console's receive interrupt goes */
static spinlock_t console_cpu_lock;

void vuart_reset(struct vm *vm)
{
	struct vuart *u = &vm->uart;

	spin_lock(&u->lock);
	u->rx_head = u->rx_count = u->rx_dropped = 0;
	u->imsc = u->lcr_h = u->ibrd = u->fbrd = u->ifls = 0;
	u->cr = 0x300; /* TXE | RXE, as at reset */
	u->line_len = 0;
	u->budget = VUART_BURST;
	u->budget_time = read_sysreg(cntpct_el0);
	u->dropped = 0;
	snprintf_(u->prefix, sizeof(u->prefix), "[%s] ", vm->cfg->name);
	spin_unlock(&u->lock);
	if (vm->cfg->console)
		vgic_add_virtual_spi(vm, VUART_SPI);
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
/* A VM that floods the console loses its own output, not anyone else's. */
static bool allowed(struct vuart *u, unsigned n)
{
	uint64_t now = read_sysreg(cntpct_el0);
	uint64_t refill = (now - u->budget_time) * VUART_RATE / read_sysreg(cntfrq_el0);

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

static void tx(struct vm *vm, char c)
{
	struct vuart *u = &vm->uart;

	if (c == '\r')
		return;
	u->last_tx = read_sysreg(cntpct_el0);
	u->line[u->line_len++] = c;
	if (c == '\n' || u->line_len == VUART_LINE_MAX)
		flush(u);
}

static void flush_partial(struct vuart *u, bool now)
{
	if (!u->line_len ||
	    (!now && read_sysreg(cntpct_el0) - u->last_tx < read_sysreg(cntfrq_el0) / 100U))
		return;
	spin_lock(&u->lock);
	if (u->line_len)
		flush(u);
	spin_unlock(&u->lock);
}

/* Called on every interrupt any CPU takes: a VM that went idle right after
 * its prompt may take none itself for a long time. */
void vuart_flush_partial(void)
{
	for (unsigned i = 0; i < vm_count; i++)
		flush_partial(&vms[i].uart, false);
}

static uint32_t rx(struct vuart *u)
{
	if (!u->rx_count)
		return 0;
	uint32_t c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1U) % VUART_RX_SIZE;
	u->rx_count--;
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

bool vuart_mmio(struct vcpu *v, uint64_t ipa, unsigned size, bool write, uint64_t *val)
{
	struct vm *vm = v->vm;

	if (!vm->cfg->console || ipa < UART0_BASE || ipa >= UART0_BASE + 0x1000 || size > 4)
		return false;
	spin_lock(&vm->uart.lock);
	if (write)
		reg_write(vm, (uint32_t)(ipa - UART0_BASE), (uint32_t)*val);
	else
		*val = reg_read(&vm->uart, (uint32_t)(ipa - UART0_BASE));
	spin_unlock(&vm->uart.lock);
	update_irq(vm);
	return true;
}

static void deliver(struct vm *vm, uint8_t c)
{
	struct vuart *u = &vm->uart;

	spin_lock(&u->lock);
	if (u->rx_count < VUART_RX_SIZE) {
		u->rx[(u->rx_head + u->rx_count) % VUART_RX_SIZE] = c;
		u->rx_count++;
	} else {
		u->rx_dropped++; /* the VM does not read: its input is lost, no one else's */
	}
	spin_unlock(&u->lock);
	update_irq(vm);
}

static void move_focus(void)
{
	for (unsigned i = 1; i <= vm_count; i++) {
		unsigned n = (focus + i) % vm_count;
		if (vms[n].state == VM_RUNNING && vms[n].cfg->console) {
			focus = n;
			break;
		}
	}
	pr("console input now goes to %s (Ctrl-T three times to switch)\n", vms[focus].cfg->name);
	flush_partial(&vms[focus].uart, true); /* show its prompt */
}

/* The physical UART's receive interrupt (owned by the hypervisor). */
void console_rx_irq(void)
{
	static unsigned focus_presses;
	int c;

	while ((c = console_getc()) >= 0) {
		if (c == FOCUS_KEY) {
			if (++focus_presses == 3) {
				focus_presses = 0;
				move_focus();
			}
			continue;
		}
		if (focus_presses == 2 && c == 's') {
			focus_presses = 0;
			stats_print();
			continue;
		}
		struct vm *vm = &vms[focus];
		for (; focus_presses; focus_presses--)
			deliver(vm, FOCUS_KEY);
		if (vm->state == VM_RUNNING)
			deliver(vm, (uint8_t)c);
	}
}

/* A CPU going off hands the console's interrupt to one that stays on. */
void console_irq_leave(unsigned pcpu)
{
	spin_lock(&console_cpu_lock);
	if (console_cpu == pcpu) {
		for (unsigned i = 0; i < vm_count; i++)
			for (unsigned c = 0; c < vms[i].cfg->ncpus; c++) {
				struct vcpu *v = &vms[i].vcpu[c];
				if (v->state == VCPU_ON && v->pcpu != pcpu) {
					console_cpu = v->pcpu;
					gic_set_route(UART0_INTID, console_cpu);
					goto done;
				}
			}
	}
done:
	spin_unlock(&console_cpu_lock);
}

void console_init_input(void)
{
	console_cpu = this_cpu();
	gic_set_route(UART0_INTID, console_cpu);
	gic_set_enable(UART0_INTID, 0, true);
	console_enable_rx_irq();
	pr("console input goes to %s (Ctrl-T three times to switch)\n", vms[focus].cfg->name);
}
