# Host fuzz targets (test/fuzz/): the levels' own parsers of normal-world
# input, compiled from their real sources for x86-64 with clang's libFuzzer
# and the sanitizers; the shims in test/fuzz/shim/ stand in for the
# hardware (system registers, spinlocks, the UART) and for the paths that
# never return. Included by the Makefile.
#   make fuzz        each target for FUZZ_SECONDS on a copy of its corpus
#   make fuzz-smoke  each target briefly, and every reproducer in
#                    test/fuzz/regress/<name>/; fails on any crash
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_DIR     := $(BUILD)/fuzz
# (the levels' struct call keeps a header with a flexible array inside
# it, which gcc accepts and clang names a GNU extension)
FUZZ_CFLAGS  := -std=c11 -g -O1 -Wall -Wextra -Werror -Wshadow -Wvla -Wmissing-prototypes \
	-Wno-gnu-variable-sized-type-not-at-end -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-DTZV_HOST_TEST -DTZV_BUILD_DIR='"$(abspath $(BUILD))"' \
	-Itest/fuzz/shim -Ilib/include -Ilib/board/qemu-virt
FUZZ_SHIM    := test/fuzz/shim/host.c
FUZZ_HDRS     = $(wildcard test/fuzz/shim/*.h test/fuzz/shim/tzv/*.h lib/include/tzv/*.h \
	lib/board/qemu-virt/*.h) test/fuzz/fuzz.mk

FUZZ_TARGETS := palfile manifest vuart vgic hypcall mediation optee_msg syscall

# per target: its sources (besides fuzz_<name>.c and the shim), include
# directories and libraries
# (shim/sigstub.c: a stand-in signature for the fuzzed files, and each real
# verification once)
FUZZ_SIGSTUB := -Wl,--wrap=ecdsa_p256_verify
FUZZ_SRCS_palfile := tee/core/palfile.c lib/src/crypto.c test/fuzz/shim/sigstub.c
FUZZ_INCS_palfile := -Itee/include
FUZZ_LIBS_palfile := -lbearssl $(FUZZ_SIGSTUB)
# (the seed is the build's signed hello.ta; the signer list and the keys
# are the build's, read at run time: `make` first. No prerequisite on them,
# so that building a fuzz target never remakes the build's tables.)
# boot.c and partition.c are #included by the target itself (their
# statics are reset between inputs); the root key's hash is the build's
# (SHA-256 from the host's Nettle, as the monitor takes it from Nettle's
# arm64 code)
FUZZ_SRCS_manifest := test/fuzz/shim/manifest_flash.c lib/src/console.c lib/src/crypto.c \
	test/fuzz/shim/sigstub.c
FUZZ_INCS_manifest := -Imonitor/include -I$(BUILD)/keys -DTZV_SHA256_NETTLE
FUZZ_LIBS_manifest := -lbearssl -lnettle $(FUZZ_SIGSTUB)
$(FUZZ_DIR)/manifest: monitor/core/boot.c monitor/core/partition.c | $(TZV_KEYS)/rotpk.h
# the hypervisor's device models on one VM, with the real vGIC, MMIO table,
# VM table and console; the arch layer and VM life are shim/hyp.c
FUZZ_HYP_SRCS := test/fuzz/shim/hyp.c hyp/core/vuart.c hyp/core/mmio.c hyp/core/vms.c \
	hyp/arch/vgic.c lib/src/console.c
FUZZ_SRCS_vuart := $(FUZZ_HYP_SRCS)
FUZZ_INCS_vuart := -Ihyp/include
FUZZ_SRCS_vgic := $(FUZZ_HYP_SRCS)
FUZZ_INCS_vgic := -Ihyp/include
# the guest call router and all it dispatches to (mediation: the same
# harness, OP-TEE calls only)
FUZZ_CALL_SRCS := $(FUZZ_HYP_SRCS) hyp/core/smccc.c hyp/core/vpsci.c hyp/core/hypercall.c \
	hyp/core/shmem.c hyp/core/tee.c hyp/arch/firmware.c hyp/core/vmi.c lib/src/pt.c
FUZZ_SRCS_hypcall := $(FUZZ_CALL_SRCS)
FUZZ_INCS_hypcall := -Ihyp/include
FUZZ_SRCS_mediation := $(FUZZ_CALL_SRCS)
FUZZ_INCS_mediation := -Ihyp/include
$(FUZZ_DIR)/mediation: test/fuzz/fuzz_hypcall.c
# the STK's core on the arch layer of shim/stk-arch.c (normal-world window,
# PAL entry and exit, timer, RNDR, monitor call); the built-in PALs, the
# loadable PAL files and the signer list are the build's, read at run time
FUZZ_STK_SRCS := test/fuzz/shim/stk-arch.c lib/src/console.c lib/src/crypto.c \
	tee/core/vtee.c tee/core/instance.c tee/core/pages.c tee/core/images.c tee/core/palfile.c \
	tee/core/attest.c tee/core/store.c tee/core/syscall.c
# the OP-TEE messages from the normal world, with all they reach
FUZZ_SRCS_optee_msg := $(FUZZ_STK_SRCS) tee/core/std.c tee/core/call.c tee/core/pta.c \
	tee/core/rpc.c tee/core/reefs.c tee/core/loader.c tee/core/fast.c tee/core/run.c
FUZZ_INCS_optee_msg := -Itee/include
FUZZ_LIBS_optee_msg := -lbearssl -Wl,--wrap=pages_alloc
# a PAL's system calls on a session whose arena is a host buffer
FUZZ_SRCS_syscall := $(FUZZ_STK_SRCS)
FUZZ_INCS_syscall := -Itee/include
FUZZ_LIBS_syscall := -lbearssl

define fuzz_target
$(FUZZ_DIR)/$(1): test/fuzz/fuzz_$(1).c $(FUZZ_SHIM) $$(FUZZ_SRCS_$(1)) $$(FUZZ_HDRS) \
		$$(wildcard test/fuzz/shim/$(1)*.c $(patsubst -I%,%/*.h,$$(FUZZ_INCS_$(1))))
	@mkdir -p $$(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $$(FUZZ_INCS_$(1)) -o $$@ test/fuzz/fuzz_$(1).c $(FUZZ_SHIM) \
		$$(FUZZ_SRCS_$(1)) $$(FUZZ_LIBS_$(1))
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target,$(t))))

FUZZ_BINS := $(patsubst %,$(FUZZ_DIR)/%,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-smoke fuzz-build

fuzz-build: $(FUZZ_BINS)

# libFuzzer's final statistics per target (executions, exec/s, peak RSS)
# and its last status line (cov: edges, ft: features, corp: inputs); the
# corpus copy under $(FUZZ_DIR)/corpus keeps what it found.
fuzz: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus/$$t && cp -n test/fuzz/corpus/$$t/* $(FUZZ_DIR)/corpus/$$t/; \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		$(FUZZ_DIR)/$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/$$t- $(FUZZ_DIR)/corpus/$$t \
			> $(FUZZ_DIR)/$$t.log 2>&1; rc=$$?; \
		grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' $(FUZZ_DIR)/$$t.log | tail -n 1; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
			$(FUZZ_DIR)/$$t.log; \
		if [ $$rc -ne 0 ]; then echo "fuzz: $$t FAILED (log: $(FUZZ_DIR)/$$t.log)"; \
			grep -E 'ERROR|SUMMARY|fuzz:' $(FUZZ_DIR)/$$t.log | head -n 5; exit 1; fi; \
	done

# A short run of every target on a scratch copy of its corpus, then each
# reproducer once; any crash fails.
fuzz-smoke: $(FUZZ_BINS)
	@for t in $(FUZZ_TARGETS); do \
		rm -rf $(FUZZ_DIR)/smoke/$$t && mkdir -p $(FUZZ_DIR)/smoke/$$t && \
		cp test/fuzz/corpus/$$t/* $(FUZZ_DIR)/smoke/$$t/; \
		$(FUZZ_DIR)/$$t -max_total_time=$(FUZZ_SMOKE_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/smoke/$$t- $(FUZZ_DIR)/smoke/$$t \
			> $(FUZZ_DIR)/smoke/$$t.log 2>&1 || \
			{ echo "fuzz-smoke: $$t crashed (log: $(FUZZ_DIR)/smoke/$$t.log)"; \
			  grep -E 'ERROR|SUMMARY|fuzz:' $(FUZZ_DIR)/smoke/$$t.log | head -n 5; exit 1; }; \
		echo "fuzz-smoke: $$t ok, $$(sed -n 's/^stat::number_of_executed_units: *//p' \
			$(FUZZ_DIR)/smoke/$$t.log) runs"; \
		if [ -d test/fuzz/regress/$$t ] && [ -n "$$(ls test/fuzz/regress/$$t)" ]; then \
			$(FUZZ_DIR)/$$t -runs=1 test/fuzz/regress/$$t/* > $(FUZZ_DIR)/smoke/$$t-regress.log 2>&1 || \
			{ echo "fuzz-smoke: $$t: a reproducer crashes (log: $(FUZZ_DIR)/smoke/$$t-regress.log)"; \
			  exit 1; }; \
			echo "fuzz-smoke: $$t reproducers ok ($$(ls test/fuzz/regress/$$t | wc -l))"; \
		fi; \
	done
