/* The STK's fast calls: the OP-TEE probe calls, answered per vTEE, and the
 * hypervisor's VM_CREATED / VM_DESTROYED, which make and wipe vTEEs. A vTEE
 * exists for a client id only between those two; fast calls from any
 * other id get ENOTAVAIL, as OP-TEE answers unknown guests. */
#include <stk.h>
#include <tzv/console.h>
#include <tzv/smccc.h>

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

/* The VM's limits (sessions, registered buffers, pages per buffer) come
 * from the signed partition map, not from the hypervisor. Under the
 * slot's lock. */
static uint32_t vtee_make(uint32_t client)
{
	struct vtee *t = vtee_alloc(client);

	if (!t)
		return OPTEE_SMC_RETURN_ENOMEM;
	t->max_sessions = limit(t->part->tee_sessions, TZV_TEE_MAX_SESSIONS);
	t->max_shm = limit(t->part->tee_shm, TZV_TEE_MAX_SHM);
	t->max_shm_pages = limit(t->part->tee_shm_pages, TZV_TEE_MAX_SHM_PAGES);
	t->max_pals = limit(t->part->tee_pals, TZV_TEE_MAX_PALS);
	if (vtee_measure(t)) {
		/* the monitor has not verified this VM's images */
		vtee_free(t);
		return OPTEE_SMC_RETURN_ENOTAVAIL;
	}
	t->in_use = true;
	return OPTEE_SMC_RETURN_OK;
}

/* a1 = client id (the monitor accepts it only from one of that VM's CPUs).
 * A client that is no VM of the map, or no free vTEE: ENOMEM. */
static void vm_created(struct smc_args *a)
{
	uint32_t client = (uint32_t)a->a[1];
	struct vtee *t = NULL;
	uint32_t r;

	if (client == TZV_CLIENT_HYP || client > 0xffffU) {
		r = OPTEE_SMC_RETURN_EBADCMD;
	} else if (!(t = vtee_slot(client))) {
		r = OPTEE_SMC_RETURN_ENOMEM;
	} else {
		vtee_lock(t);
		r = t->in_use ? OPTEE_SMC_RETURN_EBADCMD : vtee_make(client);
		vtee_unlock_held();
	}
	pr("vTEE for client %u %s\n", client, r ? "refused" : "created");
	ret4(a, r, 0, 0, 0);
}

/* A call of the vTEE that is in the secure world on some CPU right now. */
static bool vtee_running(const struct vtee *t)
{
	for (unsigned i = 0; i < TZV_TEE_MAX_CALLS; i++)
		if (t->call[i].state == CALL_RUNNING)
			return true;
	return false;
}

/* An honest hypervisor destroys a vTEE once the VM's CPUs are off; while a
 * call of it runs on one of them, its session, instance and call must not
 * go from under that CPU. */
static void vm_destroyed(struct smc_args *a)
{
	uint32_t client = (uint32_t)a->a[1];
	struct vtee *t = vtee_slot(client);

	if (t)
		vtee_lock(t);
	if (t && t->in_use && vtee_running(t)) {
		vtee_log(t,
			 "vTEE for client %u: hypervisor violation: VM_DESTROYED while a call of "
			 "it runs on another CPU: refused\n",
			 client);
		vtee_unlock_held();
		ret4(a, OPTEE_SMC_RETURN_EBUSY, 0, 0, 0);
		return;
	}
	bool found = t && t->in_use;
	if (found)
		vtee_free(t);
	if (t)
		vtee_unlock_held();
	pr("vTEE for client %u %s\n", client, found ? "destroyed and wiped" : "not found");
	ret4(a, found ? OPTEE_SMC_RETURN_OK : OPTEE_SMC_RETURN_EBADCMD, 0, 0, 0);
}

typedef void (*fast_fn)(struct smc_args *a, struct vtee *t);

static void lifecycle_created(struct smc_args *a, struct vtee *t)
{
	(void)t;
	vm_created(a);
}

static void lifecycle_destroyed(struct smc_args *a, struct vtee *t)
{
	(void)t;
	vm_destroyed(a);
}

/* OP-TEE's fast calls are OS_CALL + n, but for the two of the calls UID. */
#define OS_CALL OPTEE_SMC_GET_OS_UUID
static const fast_fn os_calls[] = {
    [OPTEE_SMC_GET_OS_UUID - OS_CALL] = fast_os_uuid,
    [OPTEE_SMC_GET_OS_REVISION - OS_CALL] = fast_os_revision,
    [OPTEE_SMC_EXCHANGE_CAPABILITIES - OS_CALL] = fast_exchange_caps,
    [OPTEE_SMC_DISABLE_SHM_CACHE - OS_CALL] = fast_disable_shm_cache,
    [OPTEE_SMC_ENABLE_SHM_CACHE - OS_CALL] = fast_enable_shm_cache,
    [OPTEE_SMC_VM_CREATED - OS_CALL] = lifecycle_created,
    [OPTEE_SMC_VM_DESTROYED - OS_CALL] = lifecycle_destroyed,
};

static fast_fn handler_of(uint32_t fid)
{
	if (fid - OS_CALL < sizeof(os_calls) / sizeof(os_calls[0]))
		return os_calls[fid - OS_CALL];
	if (fid == OPTEE_SMC_CALLS_UID)
		return fast_calls_uid;
	return fid == OPTEE_SMC_CALLS_REVISION ? fast_calls_revision : NULL;
}

void stk_fast_smc(struct smc_args *a)
{
	uint32_t fid = (uint32_t)a->a[0];
	uint32_t client = client_of(a);
	fast_fn fn = handler_of(fid);
	struct vtee *t = NULL;

	if (!fn) {
		ret4(a, OPTEE_SMC_RETURN_UNKNOWN_FUNCTION, 0, 0, 0);
		return;
	}
	/* only the hypervisor (client 0) manages vTEEs */
	bool lifecycle = fid == OPTEE_SMC_VM_CREATED || fid == OPTEE_SMC_VM_DESTROYED;
	if (lifecycle ? client != TZV_CLIENT_HYP
		      : !(t = vtee_of_client(client)) && client != TZV_CLIENT_HYP)
		ret4(a, OPTEE_SMC_RETURN_ENOTAVAIL, 0, 0, 0);
	else
		fn(a, t);
}
