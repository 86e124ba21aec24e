/* The fatal register dump and the halt, written once for every level. */
#include <tzv/console.h>
#include <tzv/cpu.h>
#include <tzv/fatal.h>

void cpu_halt(void)
{
	for (;;)
		wfe();
}

void fatal_dump(const char *level, unsigned kind, const struct fatal_sysreg *sys, unsigned nsys,
		const uint64_t x[31])
{
	/* the vector table's slots: this EL's four, a lower EL's, AArch32 */
	static const char *const kinds[] = {"synchronous exception at ",
					    "IRQ at ",
					    "FIQ at ",
					    "SError at ",
					    "IRQ from a lower EL",
					    "FIQ from a lower EL",
					    "SError from a lower EL",
					    "exception from AArch32"};

	kind &= 7U;
	pr("FATAL %s: %s%s on CPU %u\n", level, kinds[kind], kind < 4 ? level : "", cpu_index());
	for (unsigned i = 0; i < nsys; i++)
		pr("%s%s %016lx%s", i % 4 ? " " : "  ", sys[i].name, (unsigned long)sys[i].value,
		   i % 4 == 3 || i + 1 == nsys ? "\n" : "");
	for (unsigned i = 0; i < 30; i += 2)
		pr("  x%02u %016lx x%02u %016lx\n", i, (unsigned long)x[i], i + 1,
		   (unsigned long)x[i + 1]);
	pr("  x30 %016lx\n%s: CPU halted\n", (unsigned long)x[30], level);
	cpu_halt();
}
