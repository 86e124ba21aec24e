/* SMCCC TRNG 1.0 (Arm DEN0098): the firmware's entropy source, from the
 * CPU's RNDR, so that guests get early entropy the way Linux asks for it
 * at boot (the hypervisor passes their calls on). */
#include <mon.h>
#include <tzv/cpu.h>
#include <tzv/smccc.h>

/* 3d4b7a90-2c61-4e8f-b5d3-0a9e6f1c2b47: this implementation */
static const uint32_t trng_uuid[4] = {0x3d4b7a90U, 0x4e8f2c61U, 0x0a9ed3b5U, 0x472b1c6fU};

static uint64_t *reg(struct mon_cpu *c, unsigned i)
{
	return &c->cur->gp.x[i];
}

/* n random bits into x1 (most significant) .. x3 (least), each register
 * holding width bits; the bits above n are zero, as the interface asks. */
static long random_bits(struct mon_cpu *c, uint64_t n, unsigned width)
{
	if (n == 0 || n > 3U * width)
		return TRNG_INVALID_PARAMETERS;
	for (unsigned i = 3; i >= 1; i--) {
		uint64_t v;
		if (!cpu_random64(&v))
			return TRNG_NO_ENTROPY;
		uint64_t have = n > width ? width : n;
		*reg(c, i) = have == 64 ? v : v & ((1UL << have) - 1U);
		n -= have;
	}
	return 0;
}

void trng_handle(struct mon_cpu *c, uint32_t fid)
{
	long r = TRNG_NOT_SUPPORTED;
	uint64_t arg = *reg(c, 1);

	*reg(c, 1) = *reg(c, 2) = *reg(c, 3) = 0;
	switch (fid) {
	case TRNG_VERSION:
		r = TRNG_VERSION_1_0;
		break;
	case TRNG_FEATURES: {
		uint32_t f = (uint32_t)arg;
		r = f == TRNG_VERSION || f == TRNG_FEATURES || f == TRNG_GET_UUID ||
			    f == TRNG_RND32 || f == TRNG_RND64
			? 0
			: TRNG_NOT_SUPPORTED;
		break;
	}
	case TRNG_GET_UUID:
		r = trng_uuid[0];
		for (unsigned i = 1; i < 4; i++)
			*reg(c, i) = trng_uuid[i];
		break;
	case TRNG_RND32:
		r = random_bits(c, (uint32_t)arg, 32);
		break;
	case TRNG_RND64:
		r = random_bits(c, arg, 64);
		break;
	}
	if (r < 0)
		*reg(c, 1) = *reg(c, 2) = *reg(c, 3) = 0; /* nothing half given */
	c->cur->gp.x[0] = (uint64_t)r;
}
