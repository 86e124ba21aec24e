/* Fuzz target: the STK's checks of a signed PAL file a VM hands it
 * (tee/core/palfile.c pal_file_check, and pal_header_error on the image),
 * with the build's signer list (build/gen/signers.bin).
 *
 * Input: one mode byte, then the file. A random file never carries a valid
 * signature, so with MODE_RESIGN the target signs it as tzv-sign would
 * (signer field and public key of the build's provider; as signature the
 * stand-in that shim/sigstub.c accepts for that key) and the checks behind
 * the signature see fuzzed layouts too. With
 * MODE_OWN_UUID the UUID asked for is the header's own, else the 16 bytes
 * after the mode byte (and the file follows them). */
#include <bearssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stk.h>

#include "shim/fuzz.h"

#define MODE_RESIGN   1U
#define MODE_OWN_UUID 2U

static struct pal_signers signers;
static bool verbose; /* FUZZ_VERBOSE=1: what the check says of each input */
static uint8_t provider_pub[65], provider_id[32];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fuzz_build_file("gen/signers.bin", &signers, sizeof(signers)) != sizeof(signers) ||
	    fuzz_build_file("keys/provider.pub", provider_pub, 65) != 65) {
		fprintf(stderr, "fuzz_palfile: the signer list or the provider's key is short\n");
		exit(1);
	}
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	br_sha256_context h;
	br_sha256_init(&h);
	br_sha256_update(&h, provider_pub, sizeof(provider_pub));
	br_sha256_out(&h, provider_id);
	return 0;
}

/* As tzv-sign: the signer's id in the header, its key and (the stand-in
 * of) its signature over everything before the signature block. */
static void resign(uint8_t *file, size_t len)
{
	struct pal_file_header *h = (void *)file;
	struct pal_file_sig *s = (void *)(file + len - sizeof(*s));
	br_sha256_context c;
	uint8_t hash[32];

	memcpy(h->signer, provider_id, 32);
	memcpy(s->pub, provider_pub, sizeof(s->pub));
	memset(s->pad, 0, sizeof(s->pad));
	br_sha256_init(&c);
	br_sha256_update(&c, file, len - sizeof(*s));
	br_sha256_out(&c, hash);
	fuzz_sig_standin(s->sig, hash);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};
	uint8_t mode = fuzz_u8(&in), uuid[16], m[32];

	if (!(mode & MODE_OWN_UUID))
		fuzz_bytes(&in, uuid, sizeof(uuid));
	/* an exact-size heap copy: ASan sees any read past what was received */
	uint8_t *file = malloc(in.n ? in.n : 1);
	memcpy(file, in.p, in.n);
	if ((mode & MODE_RESIGN) &&
	    in.n >= sizeof(struct pal_file_header) + sizeof(struct pal_file_sig))
		resign(file, in.n);
	if (mode & MODE_OWN_UUID) {
		memset(uuid, 0, sizeof(uuid));
		if (in.n >= sizeof(struct pal_file_header))
			memcpy(uuid, ((const struct pal_file_header *)(void *)file)->uuid, 16);
	}
	const char *why = pal_file_check(file, in.n, uuid, &signers, m);
	if (verbose)
		fprintf(stderr, "fuzz_palfile: %s\n", why ? why : "accepted");
	if (!why) {
		/* what the STK relies on once a file passes: its sizes add up, the
		 * measurement is of the signed part, the image fits its memory */
		const struct pal_file_header *h = (const void *)file;
		const struct pal_header *img = (const void *)(file + sizeof(*h));
		uint8_t want[32];
		br_sha256_context c;
		br_sha256_init(&c);
		br_sha256_update(&c, file, in.n - sizeof(struct pal_file_sig));
		br_sha256_out(&c, want);
		if (in.n != sizeof(*h) + h->image_size + sizeof(struct pal_file_sig) ||
		    memcmp(m, want, 32) || img->image_size > img->mem_size ||
		    img->mem_size > PAL_MAX_MEM || img->entry >= img->text_size)
			abort();
	}
	/* the image header check alone, on whatever follows the file header */
	if (in.n >= sizeof(struct pal_file_header) + sizeof(struct pal_header))
		pal_header_error((const void *)(file + sizeof(struct pal_file_header)),
				 in.n - sizeof(struct pal_file_header));
	free(file);
	return 0;
}
