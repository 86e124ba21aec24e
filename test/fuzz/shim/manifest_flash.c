/* The secure flash of fuzz_manifest. The monitor hashes itself from the
 * flash's base up to __monitor_image_end (its linker symbol): that symbol
 * is the flash's base here, so its own measurement covers zero bytes.
 * boot.c declares the symbol const, which lets the compiler drop stores
 * through it: the flash is written and read by the name fuzz_flash, of
 * which __monitor_image_end is an alias. */
char fuzz_flash[0x04000000] __attribute__((aligned(4096)));
extern char __monitor_image_end[0x04000000] __attribute__((alias("fuzz_flash")));
