/* Programs one sector of the secure flash (CFI command set 1, as QEMU's
 * virt flash speaks it, 32-bit bank). While the flash is in command mode
 * nothing can be read or executed from it: the whole monitor runs from
 * secure SRAM (linker.ld), and the caller keeps the other readers out
 * (nv.c). It only touches registers, the flash and the source buffer.
 *
 * int nv_flash_write(uint64_t sector, const uint32_t *src, uint64_t words)
 * erases the sector, programs words from src, returns the flash to read
 * mode; 0 on success, else the status register's error bits. */
	.text
	.global nv_flash_write
nv_flash_write:
	mov w9, #0x50		/* clear status */
	str w9, [x0]
	mov w9, #0x20		/* block erase, confirm */
	str w9, [x0]
	mov w9, #0xd0
	str w9, [x0]
1:	ldr w10, [x0]		/* status: bit 7 = ready */
	tbz w10, #7, 1b
	mov w13, #0x3a		/* erase/program/voltage/lock errors */
	and w11, w10, w13
	cbnz w11, 3f
	mov x12, x0
2:	cbz x2, 3f
	mov w9, #0x40		/* word program */
	str w9, [x12]
	ldr w9, [x1], #4
	str w9, [x12]
4:	ldr w10, [x12]
	tbz w10, #7, 4b
	and w11, w10, w13
	cbnz w11, 3f
	add x12, x12, #4
	sub x2, x2, #1
	b 2b
3:	mov w9, #0xff		/* read array */
	str w9, [x0]
	dsb sy
	mov w0, w11
	ret
