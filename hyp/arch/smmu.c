/* SMMUv3: a linear stream table for PCIe bus 0 whose every entry aborts
 * until a stream is attached to a context; one context descriptor and one
 * stage-1 table per context (a VM), mapping only what smmu_map was given;
 * a command queue used synchronously; the event queue read for faults.
 * Register and table layouts: the SMMUv3 architecture (IHI 0070), as
 * docs/devices.md sums up. */
#include <board.h>
#include <cpu.h>
#include <smmu.h>
#include <tzv/console.h>
#include <tzv/limits.h>
#include <tzv/pt.h>
#include <tzv/string.h>
#include <tzv/sysreg.h>

#define IDR0	    0x00U
#define CR0	    0x20U
#define CR0ACK	    0x24U
#define CR1	    0x28U
#define CR2	    0x2CU
#define IRQ_CTRL    0x50U
#define GERROR	    0x60U
#define GERRORN	    0x64U
#define STRTAB_BASE 0x80U
#define STRTAB_CFG  0x88U
#define CMDQ_BASE   0x90U
#define CMDQ_PROD   0x98U
#define CMDQ_CONS   0x9CU
#define EVTQ_BASE   0xA0U
#define EVTQ_PROD   0x100A8U
#define EVTQ_CONS   0x100ACU
#define CR0_SMMUEN  (1U << 0)
#define CR0_EVTQEN  (1U << 2)
#define CR0_CMDQEN  (1U << 3)
#define IDR0_S1P    (1U << 1)
#define GERROR_CMDQ (1U << 0)
#define Q_BASE_RA   (1UL << 62)
#define CONS_ERR(c) (((c) >> 24) & 0x7fU)

#define STE_LOG2     8U /* bus 0: SID = devfn */
#define CMDQ_LOG2    5U
#define EVTQ_LOG2    7U
#define STE_V	     1UL
#define STE_CFG_S1   (5UL << 1)
#define STE1_DEFAULT ((2UL << 0) | (1UL << 2) | (1UL << 4) | (3UL << 6) | (1UL << 44))
#define CD0_VALID    (1UL << 31)
#define CD0_FLAGS                                                                                  \
	(25UL /* T0SZ: 39-bit IOVA */ | (1UL << 8) | (1UL << 10) | (3UL << 12) | (1UL << 30) |     \
	 (2UL << 32) /* IPS 40 bits */ | (1UL << 41) | (1UL << 45) | (1UL << 46) | (1UL << 47))
#define CMD_CFGI_STE   0x03UL
#define CMD_CFGI_CD    0x05UL
#define CMD_TLBI_ASID  0x11UL
#define CMD_SYNC       0x46UL
#define IO_PTE	       (PT_S1_ATTR_NORMAL | PT_SH_INNER | PT_AF | PT_S1_AP_EL2_RES1 | PT_S1_XN)
#define CTX_POOL_PAGES 4

static uint64_t strtab[(1U << STE_LOG2) * 8] __attribute__((aligned(1U << (STE_LOG2 + 6))));
static uint64_t cmdq[(1U << CMDQ_LOG2) * 2] __attribute__((aligned(1U << (CMDQ_LOG2 + 4))));
static uint64_t evtq[(1U << EVTQ_LOG2) * 4] __attribute__((aligned(1U << (EVTQ_LOG2 + 5))));
static uint64_t cds[TZV_MAX_VMS][8] __attribute__((aligned(64)));
static uint64_t io_root[TZV_MAX_VMS][PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t io_pool[TZV_MAX_VMS][CTX_POOL_PAGES * PT_ENTRIES] __attribute__((aligned(4096)));
static struct pt io_pt[TZV_MAX_VMS];
static uint32_t cmd_prod, evt_cons;
static bool present, overflowed;

static inline uint32_t rd32(unsigned off)
{
	return *(volatile uint32_t *)(uintptr_t)(SMMU_BASE + off);
}

static inline void wr32(unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(SMMU_BASE + off) = v;
}

static inline void wr64(unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(uintptr_t)(SMMU_BASE + off) = v;
}

static uint64_t pa_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static void set_cr0(uint32_t v)
{
	wr32(CR0, v);
	for (unsigned i = 0; rd32(CR0ACK) != v; i++)
		if (i == 1000000U)
			panic("SMMU: CR0 0x%x not acknowledged\n", v);
}

/* Queues one command and waits until the SMMU has consumed it (the QEMU
 * model runs commands on the PROD write; real ones take a while). */
static void cmd(uint64_t w0, uint64_t w1)
{
	uint32_t mask = (1U << CMDQ_LOG2) - 1U, wrap = 1U << CMDQ_LOG2;
	uint64_t *e = &cmdq[(cmd_prod & mask) * 2];

	e[0] = w0;
	e[1] = w1;
	dsb(ish);
	cmd_prod = (cmd_prod + 1U) & (2U * wrap - 1U);
	wr32(CMDQ_PROD, cmd_prod);
	for (unsigned i = 0; (rd32(CMDQ_CONS) & (2U * wrap - 1U)) != cmd_prod; i++) {
		uint32_t c = rd32(CMDQ_CONS);
		if ((rd32(GERROR) ^ rd32(GERRORN)) & GERROR_CMDQ)
			panic("SMMU: command 0x%lx refused (error %u)\n",
			      (unsigned long)(w0 & 0xff), CONS_ERR(c));
		if (i == 1000000U)
			panic("SMMU: command queue stuck (prod %u cons %u)\n", cmd_prod, c);
	}
}

static void sync(void)
{
	cmd(CMD_SYNC, 0);
}

bool smmu_init(void)
{
	uint64_t probe;

	/* a 64-bit register: only whether anything answers there */
	if (hyp_probe_read(SMMU_BASE + STRTAB_BASE, &probe) != 0)
		return false;
	if (!(rd32(IDR0) & IDR0_S1P))
		panic("SMMU: no stage-1 translation (IDR0 0x%x)\n", rd32(IDR0));
	set_cr0(0);
	/* every stream aborts (V = 1, Config = abort) until it is attached */
	for (unsigned i = 0; i < (1U << STE_LOG2); i++) {
		memset(&strtab[i * 8], 0, 64);
		strtab[i * 8] = STE_V;
	}
	dsb(ish);
	/* tables and queues: inner shareable, write-back */
	wr32(CR1, (3U << 10) | (1U << 8) | (1U << 6) | (3U << 4) | (1U << 2) | 1U);
	wr32(CR2, 1U << 1); /* record faults of invalid stream ids */
	wr64(STRTAB_BASE, Q_BASE_RA | pa_of(strtab));
	wr32(STRTAB_CFG, STE_LOG2);
	wr64(CMDQ_BASE, Q_BASE_RA | pa_of(cmdq) | CMDQ_LOG2);
	wr32(CMDQ_PROD, 0);
	wr32(CMDQ_CONS, 0);
	cmd_prod = 0;
	set_cr0(CR0_CMDQEN);
	cmd(0x04UL /* CFGI_ALL */, 31);
	sync();
	cmd(0x30UL /* TLBI_NSNH_ALL */, 0);
	sync();
	wr64(EVTQ_BASE, Q_BASE_RA | pa_of(evtq) | EVTQ_LOG2);
	wr32(EVTQ_PROD, 0);
	wr32(EVTQ_CONS, 0);
	evt_cons = 0;
	set_cr0(CR0_CMDQEN | CR0_EVTQEN);
	wr32(IRQ_CTRL, (1U << 2) | 1U); /* event queue and global errors */
	set_cr0(CR0_CMDQEN | CR0_EVTQEN | CR0_SMMUEN);
	present = true;
	return true;
}

static void ctx_setup(unsigned ctx)
{
	uint64_t *cd = cds[ctx];

	pt_init(&io_pt[ctx], io_root[ctx], io_pool[ctx], CTX_POOL_PAGES);
	cd[1] = pa_of(io_root[ctx]);
	cd[3] = MAIR_VALUE;
	dsb(ish);
	cd[0] = CD0_FLAGS | CD0_VALID | ((uint64_t)(ctx + 1U) << 48);
	dsb(ish);
}

bool smmu_map(unsigned ctx, uint64_t iova, uint64_t pa, uint64_t size)
{
	if (!present || ctx >= TZV_MAX_VMS)
		return false;
	if (!cds[ctx][0])
		ctx_setup(ctx);
	if (pt_map(&io_pt[ctx], iova, pa, size, IO_PTE))
		return false;
	dsb(ish);
	cmd(CMD_TLBI_ASID | ((uint64_t)(ctx + 1U) << 48), 0);
	sync();
	return true;
}

/* As the architecture asks for a live entry: the rest first, then the
 * word that makes it valid, each step invalidated. */
bool smmu_attach(unsigned sid, unsigned ctx)
{
	if (!present || sid >= (1U << STE_LOG2) || ctx >= TZV_MAX_VMS || !cds[ctx][0])
		return false;
	uint64_t *ste = &strtab[sid * 8];
	uint64_t inval = CMD_CFGI_STE | ((uint64_t)sid << 32);

	ste[1] = STE1_DEFAULT;
	dsb(ish);
	cmd(inval, 1);
	sync();
	ste[0] = STE_V | STE_CFG_S1 | pa_of(cds[ctx]);
	dsb(ish);
	cmd(inval, 1);
	cmd(CMD_CFGI_CD | ((uint64_t)sid << 32), 1);
	sync();
	return true;
}

/* The next record of the event queue, if any (faults of every stream). */
bool smmu_next_fault(struct smmu_fault *f)
{
	uint32_t mask = (1U << EVTQ_LOG2) - 1U, wrap = 1U << EVTQ_LOG2;

	if (!present)
		return false;
	uint32_t prod = rd32(EVTQ_PROD);
	if ((prod & (2U * wrap - 1U)) == (evt_cons & (2U * wrap - 1U)))
		return false;
	const uint64_t *e = &evtq[(evt_cons & mask) * 4];
	f->event = (unsigned)(e[0] & 0xff);
	f->sid = (unsigned)(e[0] >> 32);
	f->write = !(e[1] & (1UL << 35));
	f->addr = e[2];
	/* take the overflow flag over: the records lost are gone */
	if ((prod ^ evt_cons) & (1U << 31))
		overflowed = true;
	evt_cons = (((evt_cons & (2U * wrap - 1U)) + 1U) & (2U * wrap - 1U)) | (prod & (1U << 31));
	wr32(EVTQ_CONS, evt_cons);
	return true;
}

/* Whether records were lost since the last call. */
bool smmu_lost_faults(void)
{
	bool o = overflowed;

	overflowed = false;
	return o;
}

const char *smmu_event_name(unsigned event)
{
	switch (event) {
	case 0x02:
		return "bad stream";
	case 0x04:
		return "bad stream entry";
	case 0x10:
		return "translation";
	case 0x11:
		return "address size";
	case 0x12:
		return "access flag";
	case 0x13:
		return "permission";
	default:
		return "configuration";
	}
}
