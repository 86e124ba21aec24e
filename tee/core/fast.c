/* The STK's fast calls: the OP-TEE probe calls, answered per vTEE, and the
 * hypervisor's VM_CREATED / VM_DESTROYED, which make and wipe vTEEs. A vTEE
 * exists for a client id only between those two; fast calls from any
 * other id get ENOTAVAIL, as OP-TEE answers unknown guests. */
#include <stdarg.h>
#include <stk.h>
#include <tzv/console.h>
#include <tzv/optee.h>
#include <tzv/smccc.h>
#include <tzv/spinlock.h>
#include <tzv/string.h>

static struct vtee vtees[STK_MAX_VTEES];
spinlock_t stk_lock; /* one lock for all of the STK's state */

static void ret4(struct smc_args *a, uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3)
{
	a->a[0] = r0;
	a->a[1] = r1;
	a->a[2] = r2;
	a->a[3] = r3;
}

static uint32_t client_of(const struct smc_args *a)
{
	return (uint32_t)a->a[7] & 0xffffU;
}

/* What a VM makes the STK print is bounded: its vTEE's messages stop after
 * a budget, which a new vTEE (the VM's restart) renews. */
void vtee_log(struct vtee *t, const char *fmt, ...)
{
	va_list ap;

	if (t->log_budget >= STK_LOG_BUDGET)
		return;
	if (++t->log_budget == STK_LOG_BUDGET) {
		pr("vTEE %u: too many messages; further ones are dropped\n", t->client);
		return;
	}
	va_start(ap, fmt);
	vpr(fmt, ap);
	va_end(ap);
}

struct vtee *vtee_of_client(uint32_t client)
{
	for (unsigned i = 0; i < STK_MAX_VTEES; i++)
		if (vtees[i].in_use && vtees[i].client == client)
			return &vtees[i];
	return NULL;
}

static void fast_calls_uid(struct smc_args *a, struct vtee *t)
{
	(void)t; /* the OP-TEE message API UID the Linux driver checks */
	ret4(a, 0x384fb3e0, 0xe7f811e3, 0xaf630002, 0xa5d5c51b);
}

static void fast_calls_revision(struct smc_args *a, struct vtee *t)
{
	(void)t;
	ret4(a, 2, 0, 0, 0);
}

static void fast_os_uuid(struct smc_args *a, struct vtee *t)
{
	(void)t; /* tzvisor STK: 5a4f1e67-0c3d-4b1a-8e52-6f0d2c9b7a14 */
	ret4(a, 0x5a4f1e67, 0x0c3d4b1a, 0x8e526f0d, 0x2c9b7a14);
}

static void fast_os_revision(struct smc_args *a, struct vtee *t)
{
	(void)t;
	ret4(a, TZV_OS_REV_MAJOR, TZV_OS_REV_MINOR, 0, 0);
}

static void fast_exchange_caps(struct smc_args *a, struct vtee *t)
{
	(void)t;
	if (a->a[1] & ~(uint64_t)OPTEE_SMC_NSEC_CAP_UNIPROCESSOR) {
		ret4(a, OPTEE_SMC_RETURN_ENOTAVAIL, 0, 0, 0);
		return;
	}
	ret4(a, OPTEE_SMC_RETURN_OK,
	     OPTEE_SMC_SEC_CAP_DYNAMIC_SHM | OPTEE_SMC_SEC_CAP_MEMREF_NULL |
		 OPTEE_SMC_SEC_CAP_VIRTUALIZATION,
	     0, 0);
}

static void fast_disable_shm_cache(struct smc_args *a, struct vtee *t)
{
	(void)t; /* no cached shared memory: "cache empty" */
	ret4(a, OPTEE_SMC_RETURN_ENOTAVAIL, 0, 0, 0);
}

static void fast_enable_shm_cache(struct smc_args *a, struct vtee *t)
{
	(void)t;
	ret4(a, OPTEE_SMC_RETURN_OK, 0, 0, 0);
}

static unsigned limit(uint64_t asked, unsigned most)
{
	return asked && asked < most ? (unsigned)asked : most;
}

/* a1 = client id; a2..a4 = that VM's limits: sessions, registered buffers,
 * pages per buffer (0 or too many: the most the STK holds) */
static void vm_created(struct smc_args *a)
{
	uint32_t client = (uint32_t)a->a[1];
	uint32_t r = OPTEE_SMC_RETURN_OK;

	spin_lock(&stk_lock);
	if (client == TZV_CLIENT_HYP || client > 0xffffU || vtee_of_client(client)) {
		r = OPTEE_SMC_RETURN_EBADCMD;
	} else {
		struct vtee *t = NULL;
		for (unsigned i = 0; i < STK_MAX_VTEES && !t; i++)
			if (!vtees[i].in_use)
				t = &vtees[i];
		if (!t) {
			r = OPTEE_SMC_RETURN_ENOMEM;
		} else {
			memset(t, 0, sizeof(*t));
			t->client = client;
			t->index = (unsigned)(t - vtees);
			t->max_sessions = limit(a->a[2], STK_MAX_SESSIONS);
			t->max_shm = limit(a->a[3], STK_MAX_SHM);
			t->max_shm_pages = limit(a->a[4], STK_MAX_SHM_PAGES);
			if (vtee_measure(t)) {
				/* the monitor has not verified this VM's images */
				memset(t, 0, sizeof(*t));
				r = OPTEE_SMC_RETURN_ENOTAVAIL;
			} else {
				t->in_use = true;
			}
		}
	}
	spin_unlock(&stk_lock);
	pr("vTEE for client %u %s\n", client, r ? "refused" : "created");
	ret4(a, r, 0, 0, 0);
}

static void vm_destroyed(struct smc_args *a)
{
	uint32_t client = (uint32_t)a->a[1];

	spin_lock(&stk_lock);
	struct vtee *t = vtee_of_client(client);
	if (t) {
		/* every session, PAL instance, buffer and secret goes with it */
		for (unsigned i = 0; i < STK_MAX_SESSIONS; i++)
			if (t->sess[i].in_use)
				session_free(t, &t->sess[i]);
		memset(t, 0, sizeof(*t));
	}
	spin_unlock(&stk_lock);
	pr("vTEE for client %u %s\n", client, t ? "destroyed and wiped" : "not found");
	ret4(a, t ? OPTEE_SMC_RETURN_OK : OPTEE_SMC_RETURN_EBADCMD, 0, 0, 0);
}

struct fast_handler {
	uint32_t fid;
	void (*fn)(struct smc_args *a, struct vtee *t);
};

static const struct fast_handler fast_table[] = {
    {OPTEE_SMC_CALLS_UID, fast_calls_uid},
    {OPTEE_SMC_CALLS_REVISION, fast_calls_revision},
    {OPTEE_SMC_GET_OS_UUID, fast_os_uuid},
    {OPTEE_SMC_GET_OS_REVISION, fast_os_revision},
    {OPTEE_SMC_EXCHANGE_CAPABILITIES, fast_exchange_caps},
    {OPTEE_SMC_DISABLE_SHM_CACHE, fast_disable_shm_cache},
    {OPTEE_SMC_ENABLE_SHM_CACHE, fast_enable_shm_cache},
};

void stk_fast_smc(struct smc_args *a)
{
	uint32_t fid = (uint32_t)a->a[0];
	uint32_t client = client_of(a);

	if (fid == OPTEE_SMC_VM_CREATED || fid == OPTEE_SMC_VM_DESTROYED) {
		/* only the hypervisor (client 0) manages vTEEs */
		if (client != TZV_CLIENT_HYP)
			ret4(a, OPTEE_SMC_RETURN_ENOTAVAIL, 0, 0, 0);
		else if (fid == OPTEE_SMC_VM_CREATED)
			vm_created(a);
		else
			vm_destroyed(a);
		return;
	}
	for (unsigned i = 0; i < sizeof(fast_table) / sizeof(fast_table[0]); i++) {
		if (fast_table[i].fid != fid)
			continue;
		spin_lock(&stk_lock);
		struct vtee *t = vtee_of_client(client);
		spin_unlock(&stk_lock);
		if (!t && client != TZV_CLIENT_HYP)
			ret4(a, OPTEE_SMC_RETURN_ENOTAVAIL, 0, 0, 0);
		else
			fast_table[i].fn(a, t);
		return;
	}
	ret4(a, OPTEE_SMC_RETURN_UNKNOWN_FUNCTION, 0, 0, 0);
}
