/* The DMA attacker of test/configs/dma.toml: owns a virtio-blk disk on
 * PCIe (its own host bridge, as the hypervisor shows it) and drives it with
 * a small virtio 1.x driver. It points the device's buffers and rings at
 * memory that is not its own (the victim's RAM, secure SRAM, the GIC, the
 * SMMU, past its RAM, beyond the 39-bit space) and kicks it; every such
 * transfer must fail (the SMMU stops it, the hypervisor logs it), while its
 * own transfers keep working after each attempt. */
#include "bm.h"

#include <tzv/string.h>

#define DEVFN	     (5U << 3) /* disk1 at 00:05.0 */
#define CFG(reg)     (PCIE_ECAM_BASE + ((uint64_t)DEVFN << 12) + (reg))
#define QSIZE	     8U
#define SECTOR	     512U
#define ST_ACK	     1U
#define ST_DRIVER    2U
#define ST_DRIVER_OK 4U
#define ST_FEAT_OK   8U

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static struct {
	struct desc desc[QSIZE];
	struct {
		uint16_t flags, idx, ring[QSIZE], event;
	} avail;
	uint8_t pad[4096 - sizeof(struct desc) * QSIZE - 2 * (QSIZE + 3)];
	struct {
		uint16_t flags, idx;
		struct {
			uint32_t id, len;
		} ring[QSIZE];
		uint16_t event;
	} used;
} vq __attribute__((aligned(4096)));

static struct {
	uint32_t type, reserved;
	uint64_t sector;
} hdr __attribute__((aligned(16)));
static uint8_t status_byte, buf[SECTOR] __attribute__((aligned(512))), back[SECTOR];
static uint64_t common, notify;
static uint16_t last_used;

static uint8_t cfg8(unsigned r)
{
	return *(volatile uint8_t *)(uintptr_t)CFG(r);
}

static uint32_t cfg32(unsigned r)
{
	return mmio_read32(CFG(r));
}

static uint64_t bar_addr(unsigned bar)
{
	uint64_t lo = cfg32(0x10 + 4 * bar);
	uint64_t a = lo & ~0xfUL;
	if ((lo & 6U) == 4U)
		a |= (uint64_t)cfg32(0x14 + 4 * bar) << 32;
	return a;
}

/* The virtio capabilities: common configuration and notification. */
static bool find_caps(uint32_t *mult)
{
	for (unsigned p = cfg8(0x34); p; p = cfg8(p + 1)) {
		if (cfg8(p) != 0x09)
			continue;
		uint64_t at = bar_addr(cfg8(p + 4)) + cfg32(p + 8);
		if (cfg8(p + 3) == 1)
			common = at;
		else if (cfg8(p + 3) == 2) {
			notify = at;
			*mult = cfg32(p + 16);
		}
	}
	return common && notify;
}

static void c8(unsigned off, uint8_t v)
{
	mmio_write8(common + off, v);
}

static void c16(unsigned off, uint16_t v)
{
	*(volatile uint16_t *)(uintptr_t)(common + off) = v;
}

/* a 64-bit field as two 32-bit accesses, as the virtio spec asks */
static void c64(unsigned off, uint64_t v)
{
	mmio_write32(common + off, (uint32_t)v);
	mmio_write32(common + off + 4, (uint32_t)(v >> 32));
}

static uint16_t r16(unsigned off)
{
	return *(volatile uint16_t *)(uintptr_t)(common + off);
}

static uint8_t dev_status(void)
{
	return *(volatile uint8_t *)(uintptr_t)(common + 0x14);
}

static uint64_t notify_at;

/* Reset and bring the device up with its one queue at ring (normally our
 * own vq; an attack puts it elsewhere). */
static bool device_init(uint64_t ring, uint32_t mult)
{
	c8(0x14, 0);
	for (unsigned i = 0; dev_status() != 0; i++)
		if (i == 100000)
			return false;
	c8(0x14, ST_ACK | ST_DRIVER);
	mmio_write32(common + 0x00, 1);
	uint32_t hi = mmio_read32(common + 0x04);
	if (!(hi & 1U) || !(hi & 2U)) /* VERSION_1, ACCESS_PLATFORM */
		return false;
	mmio_write32(common + 0x08, 0);
	mmio_write32(common + 0x0C, 0);
	mmio_write32(common + 0x08, 1);
	mmio_write32(common + 0x0C, 3);
	c8(0x14, ST_ACK | ST_DRIVER | ST_FEAT_OK);
	if (!(dev_status() & ST_FEAT_OK))
		return false;
	c16(0x16, 0);
	c16(0x18, QSIZE);
	memset(&vq, 0, sizeof(vq));
	last_used = 0;
	c64(0x20, ring);
	c64(0x28, ring + offsetof(__typeof__(vq), avail));
	c64(0x30, ring + offsetof(__typeof__(vq), used));
	c16(0x1C, 1);
	notify_at = notify + (uint64_t)r16(0x1E) * mult;
	c8(0x14, ST_ACK | ST_DRIVER | ST_FEAT_OK | ST_DRIVER_OK);
	return true;
}

/* One request: header, data at iova (len bytes), status. true when the
 * device completed it with status OK within 500 ms. */
static bool request(uint32_t type, uint64_t sector, uint64_t iova, uint32_t len)
{
	hdr.type = type;
	hdr.sector = sector;
	status_byte = 0xff;
	vq.desc[0] = (struct desc){(uint64_t)(uintptr_t)&hdr, sizeof(hdr), 1, 1};
	vq.desc[1] = (struct desc){iova, len, (uint16_t)(1U | (type == 0 ? 2U : 0U)), 2};
	vq.desc[2] = (struct desc){(uint64_t)(uintptr_t)&status_byte, 1, 2, 0};
	vq.avail.ring[vq.avail.idx % QSIZE] = 0;
	dsb(sy);
	vq.avail.idx++;
	dsb(sy);
	*(volatile uint16_t *)(uintptr_t)notify_at = 0;
	for (unsigned ms = 0; ms < 500; ms++) {
		if (*(volatile uint16_t *)&vq.used.idx != last_used) {
			last_used++;
			return status_byte == 0;
		}
		if (dev_status() & 0x40) /* DEVICE_NEEDS_RESET */
			return false;
		bm_sleep_ms(1);
	}
	return false;
}

static uint32_t mult;
static unsigned failures;

/* Our own write and read-back of sector 100. */
static void legit(const char *when)
{
	bool ok = device_init((uint64_t)(uintptr_t)&vq, mult);
	for (unsigned i = 0; i < SECTOR; i++)
		buf[i] = (uint8_t)(i * 7U + 1U);
	ok = ok && request(1, 100, (uint64_t)(uintptr_t)buf, SECTOR);
	memset(back, 0, sizeof(back));
	ok = ok && request(0, 100, (uint64_t)(uintptr_t)back, SECTOR) && !memcmp(buf, back, SECTOR);
	pr("dma: own DMA %s: %s\n", when, ok ? "ok" : "FAILED");
	failures += !ok;
}

static const struct {
	uint64_t iova;
	const char *what;
} targets[] = {
    {0x50100000UL, "the victim's RAM"},	     {SECURE_SRAM_BASE, "secure SRAM"},
    {GICD_BASE + 0x80000UL, "the GIC"},	     {SMMU_BASE, "the SMMU's registers"},
    {0x44000000UL, "just past its own RAM"}, {0x8000000000UL, "beyond the 39-bit space"},
};

/* The device writes the disk's sector 100 into iova: whether it landed is
 * for the victim's own check and the hypervisor's fault log to say. */
static void attack_write(uint64_t iova, const char *what)
{
	bool ok = device_init((uint64_t)(uintptr_t)&vq, mult);
	ok = ok && request(0, 100, iova, SECTOR);
	pr("dma: write into %s at 0x%lx: sent (%s)\n", what, (unsigned long)iova,
	   ok ? "the device says done" : "the device says failed");
}

/* The device reads iova onto the disk's sector 100 (which holds our own
 * bytes before): afterwards the sector must hold those or nothing. */
static void attack_read(uint64_t iova, const char *what)
{
	bool ok = device_init((uint64_t)(uintptr_t)&vq, mult);
	ok = ok && request(1, 100, iova, SECTOR);
	memset(back, 0xa5, sizeof(back));
	bool got = device_init((uint64_t)(uintptr_t)&vq, mult) &&
		   request(0, 100, (uint64_t)(uintptr_t)back, SECTOR);
	unsigned zeros = 0, ours = 0;
	for (unsigned i = 0; i < SECTOR; i++) {
		zeros += back[i] == 0;
		ours += back[i] == (uint8_t)(i * 7U + 1U);
	}
	bool clean = got && (zeros == SECTOR || ours == SECTOR);
	pr("dma: read from %s at 0x%lx onto the disk: %s\n", what, (unsigned long)iova,
	   clean ? "nothing of it reached the disk" : "LEAKED");
	failures += !clean;
	(void)ok;
}

/* The host bridge shows this VM its own function only, and a BAR the guest
 * writes moves nothing: the device still answers where the hypervisor put
 * it (a BAR moved over another VM's would capture that VM's accesses). */
static void bridge_checks(void)
{
	unsigned seen = 0;
	for (unsigned f = 0; f < 256; f++)
		seen += mmio_read32(PCIE_ECAM_BASE + ((uint64_t)f << 12)) != 0xffffffffU;
	pr("dma: functions visible on bus 0: %u\n", seen);
	uint32_t lo = cfg32(0x20), hi = cfg32(0x24);
	mmio_write32(CFG(0x20), 0x10000000U); /* BAR4 into vm 0's window */
	uint32_t shown = cfg32(0x20);
	uint32_t feat = mmio_read32(common + 0x04);
	mmio_write32(CFG(0x20), lo);
	mmio_write32(CFG(0x24), hi);
	pr("dma: BAR 4 written as 0x%x (reads 0x%x): the device %s\n", 0x10000000U, shown,
	   feat != 0xffffffffU && feat != 0 ? "still answers where it was placed" : "MOVED");
	failures += feat == 0xffffffffU || feat == 0;
}

static void wait_go(void)
{
	pr("dma: ready; press g to attack\n");
	while (bm_getc() != 'g')
		bm_sleep_ms(10);
}

void bm_main(uint64_t dtb)
{
	(void)dtb;
	bm_gic_init();
	uint32_t id = cfg32(0);
	pr("dma: 00:05.0 is %04x:%04x\n", id & 0xffffU, id >> 16);
	if (id != 0x10421af4U || !find_caps(&mult)) {
		pr("dma: no virtio-blk disk found\n");
		bm_power_off();
	}
	mmio_write32(CFG(0x04), 0x6); /* memory space, bus master */
	bridge_checks();
	legit("before");
	wait_go();
	for (unsigned i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		attack_write(targets[i].iova, targets[i].what);
		legit("after");
		attack_read(targets[i].iova, targets[i].what);
		legit("after");
	}
	/* the rings themselves in the victim's RAM: the device cannot fetch
	 * a descriptor, so nothing completes */
	bool ok =
	    device_init(0x50100000UL, mult) && request(0, 100, (uint64_t)(uintptr_t)buf, SECTOR);
	pr("dma: rings in the victim's RAM: %s\n", ok ? "DONE: NOT STOPPED" : "nothing done");
	failures += ok;
	legit("after");
	/* the hypervisor's physical address is, to this VM's device, an
	 * address in this VM's own RAM: the data lands there */
	volatile uint8_t *own = (volatile uint8_t *)0x40100000UL;
	memset((void *)own, 0, SECTOR);
	ok = device_init((uint64_t)(uintptr_t)&vq, mult) && request(0, 100, 0x40100000UL, SECTOR);
	unsigned same = 0;
	for (unsigned i = 0; i < SECTOR; i++)
		same += own[i] == (uint8_t)(i * 7U + 1U);
	pr("dma: IOVA 0x40100000 (the hypervisor's physical address): %s\n",
	   ok && same == SECTOR ? "landed in this VM's own RAM" : "UNEXPECTED");
	failures += !(ok && same == SECTOR);
	pr("dma: done, %u unexpected result(s)\n", failures);
	for (;;)
		bm_sleep_ms(1000);
}
