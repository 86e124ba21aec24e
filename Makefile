# tzvisor: `make run` boots the default system, `make test` runs every test.
CROSS   ?= aarch64-linux-gnu-
CC      := $(CROSS)gcc
LD      := $(CROSS)ld
OBJCOPY := $(CROSS)objcopy
PYTHON  ?= /usr/bin/python3
BUILD   ?= build
CONFIG  ?= configs/default.toml
BOARD   ?= qemu-virt

export TZV_BUILD := $(abspath $(BUILD))

# `make` alone builds everything (the fragments included below define rules
# of their own first)
.DEFAULT_GOAL := all

CFLAGS_COMMON := -std=c11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wvla \
	-Wmissing-prototypes -ffreestanding -fno-builtin -fno-common \
	-fno-stack-protector -fno-tree-loop-distribute-patterns -fno-pie -fno-asynchronous-unwind-tables \
	-mgeneral-regs-only -march=armv8-a \
	-Ilib/include -Ilib/board/$(BOARD)
ASFLAGS_COMMON := -march=armv8-a+fp+simd -Ilib/include -Ilib/board/$(BOARD) -D__ASSEMBLER__
include lib/board/$(BOARD)/board.mk
LIB_SRCS := lib/src/console.c lib/src/fatal.c lib/src/string.c lib/src/pt.c $(BOARD_SRCS)

# $(1)=image name, $(2)=source folder, $(3)=extra CFLAGS, $(4)=nolink to skip linking
define image
$(1)_SRCS := $$(wildcard $(2)/arch/*.c $(2)/core/*.c) $(LIB_SRCS) $$($(1)_EXTRA_SRCS)
$(1)_SRCS := $$(filter-out %/asm-offsets.c,$$($(1)_SRCS))
$(1)_ASMS := $$(wildcard $(2)/arch/*.S)
$(1)_OBJS := $$(patsubst %.c,$(BUILD)/$(1)/%.o,$$($(1)_SRCS)) \
	$$(patsubst %.S,$(BUILD)/$(1)/%.o,$$($(1)_ASMS)) $$($(1)_EXTRA_OBJS)
$(1)_CFLAGS := $(CFLAGS_COMMON) -I$(2)/include -I$(BUILD)/$(1) $(3)

$(BUILD)/$(1)/asm-offsets.h: $(2)/arch/asm-offsets.c $$(wildcard $(2)/include/*.h lib/include/tzv/*.h)
	@mkdir -p $$(@D)
	$$(CC) $$($(1)_CFLAGS) -S -o $$@.s $$<
	sed -n 's/.*->\([A-Z_0-9]*\) #\{0,1\}\(-\{0,1\}[0-9]*\).*/#define \1 \2/p' $$@.s > $$@

$(BUILD)/$(1)/%.o: %.c $$(wildcard $(2)/include/*.h lib/include/tzv/*.h lib/board/$(BOARD)/*.h)
	@mkdir -p $$(@D)
	$$(CC) $$($(1)_CFLAGS) -c -o $$@ $$<

$(BUILD)/$(1)/%.o: %.S $(BUILD)/$(1)/asm-offsets.h lib/include/tzv/asm-macros.h
	@mkdir -p $$(@D)
	$$(CC) $(ASFLAGS_COMMON) -I$(BUILD)/$(1) -I$(2)/include -c -o $$@ $$<

ifneq ($(4),nolink)
$(BUILD)/$(1).elf: $$($(1)_OBJS) $(2)/linker.ld
	$$(LD) -nostdlib --no-warn-rwx-segments -T $(2)/linker.ld -Map $(BUILD)/$(1).map -o $$@ $$($(1)_OBJS)

$(BUILD)/$(1).bin: $(BUILD)/$(1).elf
	$$(OBJCOPY) -O binary $$< $$@
endif
endef

# The PALs (S-EL0), linked into the STK image.
include pal/pal.mk
tee_EXTRA_OBJS := $(PAL_IMAGES_OBJ)

# Signing (docs/secure-boot.md): tools/tzv-sign, and the development keys
# it creates in $(TZV_KEYS) on first use; the monitor carries the root
# key's hash (rotpk.h).
include tools/tzv-sign/tzv-sign.mk

# The PALs not built into the STK, as signed PAL files of the development
# secure service provider (docs/pal-abi.md); the Linux guests carry them in
# /lib/optee_armtz/ for tee-supplicant.
PAL_TAS := $(patsubst %,$(BUILD)/pal/%.ta,$(filter-out $(PAL_BUILTIN),$(PAL_NAMES)))
$(BUILD)/pal/%.ta: $(BUILD)/pal/%.bin $(TZV_SIGN) $(TZV_KEYS)/provider.key
	$(TZV_SIGN) pal $< $@ --key $(TZV_KEYS)/provider.key --svn 1 --version 1 && touch $@
# For the loading tests (test/system/test_pal.py), in the guests'
# /usr/share/tzv-test/: selftest signed by a provider the platform does not
# authorize, and by the root key, which may sign no PAL; "selftest2", a PAL
# of its own (selftest's image under the UUID ...-746573740002); selftest as
# version 2 (another measurement), and signed by provider2, a second
# provider test/configs/single.toml authorizes.
PAL_TEST_FILES := $(BUILD)/pal/selftest-untrusted.ta $(BUILD)/pal/selftest-root.ta \
	$(BUILD)/pal/selftest2.ta $(BUILD)/pal/selftest-v2.ta $(BUILD)/pal/selftest-provider2.ta \
	$(BUILD)/pal/selftest16.ta $(BUILD)/pal/selftest-svn2.ta \
	$(BUILD)/pal/objstore-v2.ta $(BUILD)/pal/objstore-provider2.ta
# objstore as version 2, and signed by provider2 (test_pal.py: whose objects it reads)
$(BUILD)/pal/objstore-v2.ta: $(BUILD)/pal/objstore.bin $(TZV_SIGN) $(TZV_KEYS)/provider.key
	$(TZV_SIGN) pal $< $@ --key $(TZV_KEYS)/provider.key --svn 1 --version 2 && touch $@
$(BUILD)/pal/objstore-provider2.ta: $(BUILD)/pal/objstore.bin $(TZV_SIGN) $(TZV_KEYS)/provider2.pub
	$(TZV_SIGN) pal $< $@ --key $(TZV_KEYS)/provider2.key --svn 1 --version 1 && touch $@
# selftest at security version 2 (test_pal_rollback.py)
$(BUILD)/pal/selftest-svn2.ta: $(BUILD)/pal/selftest.bin $(TZV_SIGN) $(TZV_KEYS)/provider.key
	$(TZV_SIGN) pal $< $@ --key $(TZV_KEYS)/provider.key --svn 2 --version 2 && touch $@
# make bench's 16 KiB PAL (...-746573740010): selftest's image padded to 16 KiB
$(BUILD)/pal/selftest16.bin: $(BUILD)/pal/selftest.bin
	$(PYTHON) -c 'import sys, struct; d = bytearray(open(sys.argv[1], "rb").read()); \
		assert len(d) <= 16384; d += bytes(16384 - len(d)); d[56:60] = struct.pack("<I", 16384); \
		d[23] = 0x10; d[24:40] = b"selftest16".ljust(16, b"\0"); \
		open(sys.argv[2], "wb").write(d)' $< $@
$(BUILD)/pal/selftest-v2.ta: $(BUILD)/pal/selftest.bin $(TZV_SIGN) $(TZV_KEYS)/provider.key
	$(TZV_SIGN) pal $< $@ --key $(TZV_KEYS)/provider.key --svn 1 --version 2 && touch $@
$(TZV_KEYS)/provider2.pub: | $(TZV_SIGN) $(TZV_KEYS)/provider.key
	$(TZV_SIGN) signer-key $(TZV_KEYS) provider2
$(BUILD)/pal/selftest-provider2.ta: $(BUILD)/pal/selftest.bin $(TZV_SIGN) $(TZV_KEYS)/provider2.pub
	$(TZV_SIGN) pal $< $@ --key $(TZV_KEYS)/provider2.key --svn 1 --version 1 && touch $@
$(BUILD)/pal/selftest2.bin: $(BUILD)/pal/selftest.bin
	$(PYTHON) -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); \
		d[23] = 2; d[24:40] = b"selftest2".ljust(16, b"\0"); open(sys.argv[2], "wb").write(d)' $< $@
$(BUILD)/pal/selftest-untrusted.ta: $(BUILD)/pal/selftest.bin $(TZV_SIGN) $(TZV_KEYS)/provider.key
	$(TZV_SIGN) signer-key $(TZV_KEYS) untrusted
	$(TZV_SIGN) pal $< $@ --key $(TZV_KEYS)/untrusted.key --svn 1 --version 1 && touch $@
$(BUILD)/pal/selftest-root.ta: $(BUILD)/pal/selftest.bin $(TZV_SIGN) $(TZV_KEYS)/root.key
	$(TZV_SIGN) pal $< $@ --key $(TZV_KEYS)/root.key --svn 1 --version 1 && touch $@
# The PAL SDK (sdk/README.md): what a secure service provider needs to build
# and sign a PAL outside this tree, in one folder.
PAL_SDK := $(BUILD)/pal-sdk
PAL_SDK_FILES := sdk/README.md sdk/pal.mk sdk/sample/sample.c sdk/sample/Makefile \
	pal/include/pal.h pal/include/tzv-pals.h pal/lib/include/string.h pal/linker.ld \
	lib/include/tzv/pal-abi.h lib/include/tzv/string.h
$(PAL_SDK)/.stamp: $(PAL_SDK_FILES) $(PAL_LIB_OBJS) $(TZV_SIGN) Makefile pal/pal.mk \
		$(BEARSSL_WANT) | $(BEARSSL_STAMP)
	rm -rf $(PAL_SDK) && mkdir -p $(PAL_SDK)/include/tzv $(PAL_SDK)/lib $(PAL_SDK)/bin \
		$(PAL_SDK)/sample
	cp sdk/README.md sdk/pal.mk pal/linker.ld $(PAL_SDK)/
	cp sdk/sample/sample.c sdk/sample/Makefile $(PAL_SDK)/sample/
	cp pal/include/pal.h pal/include/tzv-pals.h pal/lib/include/string.h $(PAL_SDK)/include/
	cp lib/include/tzv/pal-abi.h lib/include/tzv/string.h $(PAL_SDK)/include/tzv/
	cp -r $(BEARSSL_INC)/bearssl.h $(BEARSSL_INC)/bearssl $(PAL_SDK)/include/
	cp $(BEARSSL_LIB) $(PAL_SDK)/lib/
	$(CROSS)ar rcs $(PAL_SDK)/lib/libpal.a $(PAL_LIB_OBJS)
	cp $(TZV_SIGN) $(PAL_SDK)/bin/
	{ echo '# written by make pal-sdk: the tzvisor build'"'"'s own PAL flags'; \
	  echo 'PAL_SDK_CFLAGS := $(PAL_CODE_CFLAGS)'; \
	  echo 'PAL_SDK_LDFLAGS := $(PAL_LDFLAGS)'; } > $(PAL_SDK)/flags.mk
	touch $@
pal-sdk: $(PAL_SDK)/.stamp

# The secure world's crypto (lib/src/crypto.c) is Debian's BearSSL, which
# pal/pal.mk fetches; the monitor, which hashes every image, takes its
# SHA-256 from Debian's Nettle (the CPU's SHA-256 instructions).
CRYPTO_CFLAGS := -I$(BEARSSL_INC)
monitor_EXTRA_SRCS := lib/src/crypto.c
tee_EXTRA_SRCS := lib/src/crypto.c
monitor_EXTRA_OBJS := $(BEARSSL_LIB) $(NETTLE_LIB)
tee_EXTRA_OBJS += $(BEARSSL_LIB)
$(BUILD)/monitor/lib/src/crypto.o $(BUILD)/tee/lib/src/crypto.o: | $(BEARSSL_STAMP) $(NETTLE_STAMP)
$(BEARSSL_LIB): | $(BEARSSL_STAMP)
	@:
$(NETTLE_LIB): | $(NETTLE_STAMP)
	@:

# The monitor's C makes no unaligned accesses: its flash and devices are
# Device memory (arch/mmu.c), and before its MMU is on, all memory is.
$(eval $(call image,monitor,monitor,-mstrict-align $(CRYPTO_CFLAGS) -DTZV_SHA256_NETTLE \
	-I$(NETTLE_INC) -I$(BUILD)/keys))
$(eval $(call image,tee,tee,$(CRYPTO_CFLAGS)))
# the hypervisor is linked once per system, with that system's VM tables;
# the trust-model tests' hostile hypervisor (hyp/test/) only into the
# system of test/configs/hostile.toml
$(eval $(call image,hyp,hyp,,nolink))
hyp_hostile_EXTRA_SRCS := hyp/test/hostile.c
$(eval $(call image,hyp_hostile,hyp,-DTZV_HOSTILE,nolink))

GUEST := $(BUILD)/guest
GUEST_OUT := $(GUEST)/Image $(GUEST)/initramfs.cpio.gz

.PHONY: clean-disks all deps guest run test test-systems unit-test debug clean format format-check bench attest soak \
	pal-sdk

deps:
	@scripts/host-deps.sh

# the guests' SSH keys (docs/devices.md): the server's host key, and the key
# that logs in as root (the build's ssh-config names both)
GUEST_SSH := $(TZV_KEYS)/guest-ssh-host $(TZV_KEYS)/guest-ssh.pub
$(TZV_KEYS)/guest-ssh-host $(TZV_KEYS)/guest-ssh:
	@mkdir -p $(@D)
	rm -f $@ $@.pub
	ssh-keygen -q -t ed25519 -N "" -C "tzvisor $(@F)" -f $@
$(TZV_KEYS)/guest-ssh.pub: $(TZV_KEYS)/guest-ssh
	@:

guest: $(GUEST_OUT)
$(GUEST_OUT) &: $(wildcard guests/linux/* guests/linux/modules/*/* guests/linux/tzv-client/* guests/linux/tzv-relay/*) \
		pal/include/tzv-pals.h lib/include/tzv/pal-abi.h tools/mkcpio.py $(PAL_TAS) $(PAL_TEST_FILES) \
		$(GUEST_SSH)
	TZV_TAS="$(abspath $(PAL_TAS))" TZV_TEST_FILES="$(abspath $(PAL_TEST_FILES))" \
		TZV_SSH="$(abspath $(GUEST_SSH))" guests/linux/build.sh $(GUEST)

# Bare-metal guests (heartbeat, attack guests): one Image-format binary each.
BM_CFLAGS := $(CFLAGS_COMMON) -mstrict-align -Iguests/baremetal
BM_COMMON := $(BUILD)/baremetal/start.o $(BUILD)/baremetal/bm.o $(BUILD)/baremetal/bmtee.o \
	$(BUILD)/baremetal/tas.o \
	$(BUILD)/baremetal/lib-console.o $(BUILD)/baremetal/lib-string.o \
	$(patsubst lib/src/%.c,$(BUILD)/baremetal/lib-%.o,$(BOARD_SRCS))
BM_GUESTS := $(patsubst guests/baremetal/guest-%.c,$(BUILD)/baremetal/%.bin,$(wildcard guests/baremetal/guest-*.c))
# the signed PAL files, for the guests' stand-in for tee-supplicant (bmtee.c)
$(BUILD)/baremetal/tas.S: $(PAL_TAS) Makefile
	@mkdir -p $(@D)
	@{ echo '	.section .rodata'; echo '	.balign 8'; echo '	.global bm_tas'; \
	echo 'bm_tas:'; $(foreach t,$(PAL_TAS),echo '	.quad $(notdir $(basename $(t)))_ta, $(notdir $(basename $(t)))_end - $(notdir $(basename $(t)))_ta';) \
	echo '	.quad 0, 0'; $(foreach t,$(PAL_TAS),echo '$(notdir $(basename $(t)))_ta: .incbin "$(abspath $(t))"'; \
	echo '$(notdir $(basename $(t)))_end:';) } > $@
$(BUILD)/baremetal/tas.o: $(BUILD)/baremetal/tas.S
	$(CC) $(ASFLAGS_COMMON) -c -o $@ $<
$(BUILD)/baremetal/%.o: guests/baremetal/%.S
	@mkdir -p $(@D)
	$(CC) $(ASFLAGS_COMMON) -c -o $@ $<
$(BUILD)/baremetal/%.o: guests/baremetal/%.c $(wildcard guests/baremetal/*.h)
	@mkdir -p $(@D)
	$(CC) $(BM_CFLAGS) -c -o $@ $<
$(BUILD)/baremetal/lib-%.o: lib/src/%.c $(wildcard lib/include/tzv/*.h)
	@mkdir -p $(@D)
	$(CC) $(BM_CFLAGS) -c -o $@ $<
$(BUILD)/baremetal/%.elf: $(BUILD)/baremetal/guest-%.o $(BM_COMMON) guests/baremetal/linker.ld
	$(LD) -nostdlib --no-warn-rwx-segments -T guests/baremetal/linker.ld -o $@ $(filter %.o,$^)
$(BUILD)/baremetal/%.bin: $(BUILD)/baremetal/%.elf
	$(OBJCOPY) -O binary $< $@

# keep intermediate objects: they are not worth rebuilding
.SECONDARY:

$(BUILD)/monitor/monitor/core/boot.o: $(TZV_KEYS)/rotpk.h

# A system = a configuration built into its own directory: the VM tables
# and device trees, the hypervisor linked with them, and QEMU's arguments.
# $(1) = config file, $(2) = directory, $(3) = the hypervisor's objects
define system
$(2)/gen/dts.stamp: $(1) tools/tzv-config lib/include/tzv/limits.h lib/board/$(BOARD)/board.h $(GUEST_OUT) $(BM_GUESTS)
	@mkdir -p $(2)/gen
	$(PYTHON) tools/tzv-config dts $(1) $(2)/gen $(BUILD)
	for d in $(2)/gen/*.dts; do dtc -q -I dts -O dtb -o $$$${d%.dts}.dtb $$$$d || exit 1; done
	touch $$@

$(2)/gen/vmconfig.c $(2)/gen/qemu-images.args $(2)/gen/components.list $(2)/gen/partitions.bin $(2)/gen/signers.bin &: $(2)/gen/dts.stamp $(TZV_KEYS)/provider.pub $(TZV_KEYS)/provider2.pub
	$(PYTHON) tools/tzv-config tables $(1) $(2)/gen $(BUILD)

$(2)/gen/vmconfig.o: $(2)/gen/vmconfig.c hyp/include/config.h
	$$(CC) $$(hyp_CFLAGS) -c -o $$@ $$<

$(2)/hyp.elf: $$($(3)_OBJS) $(2)/gen/vmconfig.o hyp/linker.ld
	$$(LD) -nostdlib --no-warn-rwx-segments -T hyp/linker.ld -Map $(2)/hyp.map -o $$@ $$($(3)_OBJS) $(2)/gen/vmconfig.o

$(2)/hyp.bin: $(2)/hyp.elf
	$$(OBJCOPY) -O binary $$< $$@

# the signed manifest of this system's components, and its secure flash:
# monitor at 0, STK at 1 MiB + 4 KiB, manifest at 15 MiB, device secret, partition map
# (signed only once the VM tables linked into the hypervisor are proved to
# agree with the partition map)
$(2)/manifest.bin: $(2)/gen/components.list $(2)/gen/partitions.bin $(2)/hyp.bin $(BUILD)/tee.bin $(1) $(TZV_SIGN) $(TZV_KEYS)/rotpk.h
	$(PYTHON) tools/tzv-config check $(2)/gen $(2)/hyp.elf $(2)/hyp.bin $(BUILD)/$(3)/asm-offsets.h
	$(TZV_SIGN) manifest $$@ $(2)/gen/components.list $(TZV_KEYS)

$(2)/secure-flash.bin: $(BUILD)/monitor.bin $(BUILD)/tee.bin $(2)/manifest.bin $(TZV_KEYS)/device-secret.bin $(2)/gen/partitions.bin $(2)/gen/signers.bin tools/mkflash.py
	$(PYTHON) tools/mkflash.py $$@ $(BUILD)/monitor.bin $(BUILD)/tee.bin $(2)/manifest.bin $(TZV_KEYS)/device-secret.bin $(2)/gen/partitions.bin $(2)/gen/signers.bin

# what a verifier should find in this system's measurements (tzv-verify --reference)
$(2)/reference.json: $(2)/manifest.bin $(BUILD)/monitor.bin tools/tzv-config
	$(PYTHON) tools/tzv-config reference $(2)/gen $(BUILD)/monitor.bin $$@

$(2)/qemu.args: $(2)/hyp.bin $(2)/secure-flash.bin $(2)/gen/qemu-images.args $(2)/reference.json
	$(PYTHON) tools/tzv-config disks $(1) $(2)
	echo "-drive if=pflash,unit=0,format=raw,file=$(abspath $(2))/secure-flash.bin,file.locking=off -device loader,file=$(abspath $(2))/hyp.bin,addr=0x40100000,force-raw=on $$$$(cat $(2)/gen/qemu-images.args)" > $$@

SYSTEM_ARGS += $(2)/qemu.args
endef

$(eval $(call system,$(CONFIG),$(BUILD),hyp))
TEST_CONFIGS := $(wildcard test/configs/*.toml)
$(foreach c,$(TEST_CONFIGS),$(eval $(call system,$(c),$(BUILD)/sys/$(basename $(notdir $(c))),$(if $(filter hostile,$(basename $(notdir $(c)))),hyp_hostile,hyp))))

# (the PAL files too: every file is secondary, and the guest would not see a
# new one otherwise)
all: $(BUILD)/qemu.args $(PAL_TAS) $(PAL_TEST_FILES)
test-systems: $(SYSTEM_ARGS)

run: deps all
	@echo "tzvisor: booting; leave QEMU with Ctrl-A X"
	@[ ! -f $(BUILD)/ssh-config ] || echo "tzvisor: once vm0 is up, log in from another terminal with: ssh -F $(BUILD)/ssh-config vm0"
	@tools/run-qemu $(BUILD)

# gdb-multiarch with the symbols of every level; QEMU waits for it.
debug: deps all
	tools/debug.sh $(BUILD)

UNIT_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -Ilib/include
$(BUILD)/unit/%: test/unit/%.c $(LIB_SRCS) $(wildcard lib/include/tzv/*.h)
	@mkdir -p $(@D)
	gcc $(UNIT_CFLAGS) -o $@ $< lib/src/pt.c

# the STK's PAL file checks, on the build's own signed PAL and provider key
$(BUILD)/unit/test_palfile: test/unit/test_palfile.c tee/core/palfile.c lib/src/crypto.c \
		$(wildcard lib/include/tzv/*.h) tee/include/stk.h $(BUILD)/pal/selftest.ta
	@mkdir -p $(@D)
	gcc $(UNIT_CFLAGS) -DTZV_HOST_TEST -DTZV_BUILD_DIR='"$(abspath $(BUILD))"' -Itee/include \
		-Ilib/board/qemu-virt -o $@ $< tee/core/palfile.c lib/src/crypto.c -lbearssl

# known-answer tests of the levels' crypto wrappers
$(BUILD)/unit/test_crypto: test/unit/test_crypto.c lib/src/crypto.c lib/include/tzv/crypto.h
	@mkdir -p $(@D)
	gcc $(UNIT_CFLAGS) -DTZV_HOST_TEST -o $@ $< lib/src/crypto.c -lbearssl

# the same tests on the monitor's SHA-256, Nettle (the host's build of it)
$(BUILD)/unit/test_crypto_nettle: test/unit/test_crypto_nettle.c test/unit/test_crypto.c \
		lib/src/crypto.c lib/include/tzv/crypto.h
	@mkdir -p $(@D)
	gcc $(UNIT_CFLAGS) -DTZV_HOST_TEST -DTZV_SHA256_NETTLE -o $@ $< lib/src/crypto.c \
		-lbearssl -lnettle

UNIT_TESTS := $(patsubst test/unit/%.c,$(BUILD)/unit/%,$(wildcard test/unit/test_*.c))

unit-test: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do $$t || exit 1; done

test: deps format-check all test-systems pal-sdk $(UNIT_TESTS)
	@$(MAKE) --no-print-directory fuzz-smoke
	$(PYTHON) test/run.py $(BUILD)

# Native vs tzvisor on the same QEMU, -icount; QUICK=1 for a short run, N=runs.
bench: deps all test-systems
	@scripts/host-deps.sh gnuplot-nox
	$(PYTHON) bench/run.py

# Load, not part of make test: both Linux VMs run N=100000 hello invokes from
# 4 threads each at once; calls lost, calls/s, fairness, and what grew.
soak: deps all
	$(PYTHON) test/soak.py $(BUILD) $(or $(N),100000)

# A remote verifier's view: boot the default system, ask vm0 for a quote
# over a fresh nonce (or NONCE=hex), bring the evidence out into
# build/attest/vm0/ and check it with tools/tzv-verify and tpm2_checkquote.
attest: deps all
	$(PYTHON) tools/attest.py $(BUILD) $(NONCE)

# C style (.clang-format); the guest's Linux modules keep the kernel's style
FORMAT_FILES = $$(git ls-files '*.c' '*.h' | grep -v '^guests/linux/modules/')
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	@clang-format --dry-run -Werror $(FORMAT_FILES) && echo "format-check: ok"

# make fuzz, make fuzz-smoke: host fuzz targets of the levels' parsers
include test/fuzz/fuzz.mk

# Keeps the download cache and the guest images (they only change with Debian).
# the VMs' disks keep what the guests wrote across builds and make clean
clean-disks:
	rm -rf $(BUILD)/disks $(BUILD)/sys/*/disks

clean:
	rm -rf $(BUILD)/monitor $(BUILD)/tee $(BUILD)/hyp $(BUILD)/gen $(BUILD)/sys \
		$(BUILD)/baremetal $(BUILD)/pal $(BUILD)/unit $(BUILD)/*.elf $(BUILD)/*.bin $(BUILD)/*.map \
		$(BUILD)/qemu.args
