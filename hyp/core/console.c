/* The console multiplexer: the physical UART's input goes to the VM in
 * focus, moved by Ctrl-T three times; Ctrl-T Ctrl-T s prints the exit
 * counters. Its receive interrupt follows the CPUs that stay on. */
#include <console.h>
#include <tzv/console.h>
#include <tzv/cpu.h>
#include <vm.h>

static unsigned focus;	     /* index of the VM that gets console input */
static unsigned console_cpu; /* where the console's receive interrupt goes */
static spinlock_t console_cpu_lock;

static bool takes_input(const struct vm *vm)
{
	return vm->state == VM_RUNNING && vm->cfg->console;
}

static void move_focus(void)
{
	for (unsigned i = 1; i <= vm_count; i++) {
		unsigned n = (focus + i) % vm_count;
		if (takes_input(&vms[n])) {
			focus = n;
			break;
		}
	}
	pr("console input now goes to %s (Ctrl-T three times to switch)\n", vms[focus].cfg->name);
	vuart_flush_line(&vms[focus]); /* show its prompt */
}

/* A VM that went off hands the focus on to the next one that runs. */
void console_vm_off(struct vm *vm)
{
	if (vm == &vms[focus] && vm_any_running()) {
		pr("%s is off: ", vm->cfg->name);
		move_focus();
	}
}

/* The physical UART's receive interrupt (owned by the hypervisor). */
void console_rx_irq(void)
{
	static unsigned focus_presses;
	int c;

	/* a character is taken only once the VM in focus can take it */
	while ((!takes_input(&vms[focus]) || vuart_input_ready(&vms[focus])) &&
	       (c = console_getc()) >= 0) {
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
			vuart_receive(vm, FOCUS_KEY);
		if (vm->state == VM_RUNNING)
			vuart_receive(vm, (uint8_t)c);
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
	console_cpu = cpu_index();
	gic_set_route(UART0_INTID, console_cpu);
	gic_set_enable(UART0_INTID, 0, true);
	console_enable_rx_irq();
	pr("console input goes to %s (Ctrl-T three times to switch)\n", vms[focus].cfg->name);
	if (!takes_input(&vms[focus]))
		move_focus();
	console_rx_irq(); /* what was typed before: the UART raises no interrupt for it */
}
