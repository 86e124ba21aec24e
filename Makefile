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

CFLAGS_COMMON := -std=c11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wvla \
	-Wmissing-prototypes -ffreestanding -fno-builtin -fno-common \
	-fno-stack-protector -fno-tree-loop-distribute-patterns -fno-pie -fno-asynchronous-unwind-tables \
	-mgeneral-regs-only -march=armv8-a \
	-Ilib/include -Ilib/board/$(BOARD)
ASFLAGS_COMMON := -march=armv8-a+fp+simd -Ilib/include -Ilib/board/$(BOARD) -D__ASSEMBLER__
LIB_SRCS := lib/src/console.c lib/src/string.c lib/src/pt.c

# $(1)=image name, $(2)=source folder, $(3)=extra CFLAGS
define image
$(1)_SRCS := $$(wildcard $(2)/arch/*.c $(2)/core/*.c) $(LIB_SRCS)
$(1)_SRCS := $$(filter-out %/asm-offsets.c,$$($(1)_SRCS)) $$($(1)_EXTRA_SRCS)
$(1)_ASMS := $$(wildcard $(2)/arch/*.S)
$(1)_OBJS := $$(patsubst %.c,$(BUILD)/$(1)/%.o,$$($(1)_SRCS)) \
	$$(patsubst %.S,$(BUILD)/$(1)/%.o,$$($(1)_ASMS))
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

$(BUILD)/$(1).elf: $$($(1)_OBJS) $(2)/linker.ld
	$$(LD) -nostdlib --no-warn-rwx-segments -T $(2)/linker.ld -Map $(BUILD)/$(1).map -o $$@ $$($(1)_OBJS)

$(BUILD)/$(1).bin: $(BUILD)/$(1).elf
	$$(OBJCOPY) -O binary $$< $$@
endef

# The monitor runs with the MMU off: no unaligned accesses.
GEN := $(BUILD)/gen
hyp_EXTRA_SRCS := $(GEN)/vmconfig.c
$(eval $(call image,monitor,monitor,-mstrict-align))
$(eval $(call image,tee,tee,))
$(eval $(call image,hyp,hyp,))

GUEST := $(BUILD)/guest
GUEST_OUT := $(GUEST)/Image $(GUEST)/initramfs.cpio.gz

.PHONY: all deps guest run test unit-test system-test debug clean format bench

all: $(BUILD)/secure-flash.bin $(BUILD)/hyp.bin $(GEN)/qemu-images.args

deps:
	@scripts/host-deps.sh

guest: $(GUEST_OUT)
$(GUEST_OUT) &: $(wildcard guests/linux/*) tools/mkcpio.py
	guests/linux/build.sh $(GUEST)

# Secure flash: monitor at 0, STK header at 1 MiB, STK image behind it.
$(BUILD)/secure-flash.bin: $(BUILD)/monitor.bin $(BUILD)/tee.bin tools/mkflash.py
	$(PYTHON) tools/mkflash.py $@ $(BUILD)/monitor.bin $(BUILD)/tee.bin

# VM configuration: device trees first (their sizes go into the tables).
$(GEN)/dts.stamp: $(CONFIG) tools/tzv-config $(GUEST_OUT)
	@mkdir -p $(GEN)
	$(PYTHON) tools/tzv-config dts $(CONFIG) $(GEN)
	for d in $(GEN)/*.dts; do dtc -q -I dts -O dtb -o $${d%.dts}.dtb $$d || exit 1; done
	touch $@

$(GEN)/vmconfig.c $(GEN)/qemu-images.args &: $(GEN)/dts.stamp
	$(PYTHON) tools/tzv-config tables $(CONFIG) $(GEN)

run: deps all
	@echo "tzvisor: booting; leave QEMU with Ctrl-A X"
	@tools/run-qemu $(BUILD)

# gdb-multiarch with the symbols of every level; QEMU waits for it.
debug: deps all
	tools/debug.sh $(BUILD)

UNIT_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -Ilib/include
$(BUILD)/unit/%: test/unit/%.c $(LIB_SRCS) $(wildcard lib/include/tzv/*.h)
	@mkdir -p $(@D)
	gcc $(UNIT_CFLAGS) -o $@ $< lib/src/pt.c

UNIT_TESTS := $(patsubst test/unit/%.c,$(BUILD)/unit/%,$(wildcard test/unit/test_*.c))

unit-test: $(UNIT_TESTS)
	@for t in $(UNIT_TESTS); do $$t || exit 1; done

test: deps all $(UNIT_TESTS)
	$(PYTHON) test/run.py $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)/monitor $(BUILD)/tee $(BUILD)/hyp $(BUILD)/gen $(BUILD)/unit $(BUILD)/*.elf $(BUILD)/*.bin $(BUILD)/*.map
