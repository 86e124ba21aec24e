/* Erases and programs the secure flash (CFI command set 1, as QEMU's virt
 * flash speaks it, 32-bit bank). While the flash is in command mode
 * nothing can be read or executed from it: the whole monitor runs from
 * secure SRAM (linker.ld), and the caller keeps the other readers out
 * (nv.c). Both only touch registers, the flash and the source buffer, and
 * leave the flash in read mode; 0 on success, else the status register's
 * error bits.
 *
 * int flash_erase(uint64_t sector): the sector at that address, all ones.
 * int flash_program(uint64_t addr, const uint32_t *src, uint64_t words):
 * words from src, one by one, into erased flash from addr up. */
	.text
	.global flash_erase
flash_erase:
	mov w13, #0x3a		/* erase/program/voltage/lock errors */
	mov w9, #0x50		/* clear status */
	str w9, [x0]
	mov w9, #0x20		/* block erase, confirm */
	str w9, [x0]
	mov w9, #0xd0
	str w9, [x0]
1:	ldr w10, [x0]		/* status: bit 7 = ready */
	tbz w10, #7, 1b
	and w11, w10, w13
	b done

	.global flash_program
flash_program:
	mov w13, #0x3a
	mov w11, #0
	mov x12, x0
	mov w9, #0x50
	str w9, [x0]
2:	cbz x2, done
	mov w9, #0x40		/* word program */
	str w9, [x12]
	ldr w9, [x1], #4
	str w9, [x12]
3:	ldr w10, [x12]
	tbz w10, #7, 3b
	and w11, w10, w13
	cbnz w11, done
	add x12, x12, #4
	sub x2, x2, #1
	b 2b

done:	mov w9, #0xff		/* read array */
	str w9, [x0]
	dsb sy
	mov w0, w11
	ret
