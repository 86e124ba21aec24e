/* Fuzz target: the virtual PL011 (hyp/core/vuart.c) as a guest drives it,
 * through the MMIO range it registers (hyp/core/mmio.c mmio_emulate ->
 * vuart_mmio: reg_read/reg_write, tx and its escape filter, rx, the output
 * budget), and as the console feeds it (vuart_receive, vuart_input_ready,
 * vuart_flush_partial, vuart_flush_line); with the real vGIC (hyp/arch/vgic.c)
 * taking its interrupt and the real console formatting (lib/src/console.c).
 *
 * Input: the VM's shape (shim/hyp.c fuzz_vm_setup), then operations, one
 * byte each and their operands. */
#include <stdlib.h>

#include <tzv/console.h>

#include "shim/hyp.h"

/* What the rest of the hypervisor relies on after each step. */
FUZZ_UNTRACED static void check(const struct vuart *u)
{
	if (u->rx_count > VUART_RX_SIZE || u->rx_head >= VUART_RX_SIZE ||
	    u->line_len >= VUART_LINE_MAX || u->budget > VUART_BURST || u->esc > 3)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	struct vm *vm;

	FUZZ_TRY(vm = fuzz_vm_setup(&in));
	struct vcpu *v = &vm->vcpu[0];
	while (in.n) {
		uint8_t op = fuzz_u8(&in);
		switch (op % 8U) {
		case 0:
		case 1: { /* the guest reads or writes a register */
			uint64_t off = fuzz_u16(&in) & 0x1fffU; /* also past the range */
			unsigned sz = 1U << (op >> 6);
			uint64_t val = fuzz_u32(&in);
			FUZZ_TRY(mmio_emulate(v, UART0_BASE + off, sz, op & 1U, &val));
			break;
		}
		case 2: { /* the guest writes a burst of characters */
			unsigned n = fuzz_u8(&in);
			for (unsigned i = 0; i < n && in.n; i++) {
				uint64_t c = fuzz_u8(&in);
				FUZZ_TRY(mmio_emulate(v, UART0_BASE, 4, true, &c));
			}
			break;
		}
		case 3: { /* the console hands it input while it may take it */
			unsigned n = fuzz_u16(&in) & 0x1ffU; /* up to twice the queue */
			uint8_t c = fuzz_u8(&in);
			for (unsigned i = 0; i < n; i++) {
				bool ready = false;
				FUZZ_TRY(ready = vuart_input_ready(vm));
				if (ready || (op & 0x80U))
					FUZZ_TRY(vuart_receive(vm, (uint8_t)(c + i)));
			}
			break;
		}
		case 4: /* time passes, up to ~4 s */
			fuzz_now += (uint64_t)fuzz_u32(&in) * 64U;
			break;
		case 5:
			FUZZ_TRY(vuart_flush_partial());
			break;
		case 6:
			FUZZ_TRY(vuart_flush_line(vm));
			break;
		case 7: /* the VM restarts: its UART is reset */
			FUZZ_TRY(mmio_reset(vm); vgic_vm_init(vm); vuart_reset(vm));
			break;
		}
		check(&vm->uart);
	}
	return 0;
}
