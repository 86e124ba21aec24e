/* The console multiplexer (hyp/core/console.c): one physical UART shared
 * by every VM's vUART and the hypervisor. */
#ifndef HYP_CONSOLE_H
#define HYP_CONSOLE_H

#define FOCUS_KEY 0x14 /* Ctrl-T, three times in a row (Ctrl-A is QEMU's) */

void console_init_input(void);
void console_rx_irq(void);
void console_irq_leave(unsigned pcpu);
struct vm;
void console_vm_off(struct vm *vm);

#endif
