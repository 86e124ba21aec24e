# The PALs (S-EL0 programs, docs/pal-abi.md): each pal/<name>/*.c plus the
# runtime pal/lib/ becomes $(BUILD)/pal/<name>.elf and .bin; images.S bundles
# the .bins into $(PAL_IMAGES_OBJ), which the STK links and reads through
# pal_image_table ({start, size} per PAL, then {0, 0}).
#
# Included by the top-level Makefile; also usable alone from the repository
# root: make -f pal/pal.mk BUILD=build-pal

PAL_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
PAL_STANDALONE := $(if $(filter $(PAL_DIR)/pal.mk,$(firstword $(MAKEFILE_LIST))),1)
pal_saved_goal := $(.DEFAULT_GOAL)

# Defaults when used alone (the top-level Makefile sets these).
CROSS ?= aarch64-linux-gnu-
BUILD ?= build
ifeq ($(origin CC),default)
CC := $(CROSS)gcc
endif
ifeq ($(origin LD),default)
LD := $(CROSS)ld
endif
OBJCOPY ?= $(CROSS)objcopy
ASFLAGS_COMMON ?= -march=armv8-a+fp+simd -D__ASSEMBLER__

PAL_OUT := $(BUILD)/pal

# BearSSL from Debian's libbearssl-dev:arm64, kept in the shared deb cache.
BEARSSL_VERSION ?= 0.6+dfsg.1-3
BEARSSL_DEBS := $(BUILD)/cache/debs
BEARSSL_DIR := $(PAL_OUT)/bearssl
BEARSSL_WANT := $(PAL_OUT)/bearssl-version
BEARSSL_STAMP := $(BEARSSL_DIR)/.unpacked
BEARSSL_INC := $(BEARSSL_DIR)/usr/include
BEARSSL_LIB := $(BEARSSL_DIR)/usr/lib/aarch64-linux-gnu/libbearssl.a

# Like CFLAGS_COMMON, but PAL code may use FP/SIMD (the STK saves it) and
# sees only the PAL headers (pal/lib/include stands in for libc's).
# (PAL_CODE_CFLAGS, without the include paths, are the PAL SDK's too.)
PAL_CODE_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wvla -Wmissing-prototypes \
	-ffreestanding -fno-common -fno-stack-protector \
	-fno-tree-loop-distribute-patterns -fno-pie -fno-asynchronous-unwind-tables \
	-ffunction-sections -fdata-sections -march=armv8-a -MMD -MP
PAL_CFLAGS := $(PAL_CODE_CFLAGS) \
	-I$(PAL_DIR)/include -I$(PAL_DIR)/lib/include -I$(PAL_DIR)/../lib/include -I$(BEARSSL_INC)
PAL_LDFLAGS := -nostdlib -static -no-pie --gc-sections --no-warn-rwx-segments \
	--orphan-handling=error

# Every folder of pal/ with C files, except the runtime, is a PAL.
PAL_NAMES := $(filter-out lib include,$(sort \
	$(patsubst $(PAL_DIR)/%/,%,$(dir $(wildcard $(PAL_DIR)/*/*.c)))))
PAL_BINS := $(foreach n,$(PAL_NAMES),$(PAL_OUT)/$(n).bin)
# The PALs that must exist before tee-supplicant runs are built into the
# STK: rng (Linux's optee-rng binds to it when the driver probes) and attest
# (the platform's attestation, whose keys are the device's). The others are
# signed PAL files a VM loads (docs/pal-abi.md), made by the top Makefile.
PAL_BUILTIN ?= rng attest
PAL_BUILTIN_BINS := $(foreach n,$(PAL_BUILTIN),$(PAL_OUT)/$(n).bin)
PAL_IMAGES_OBJ := $(PAL_OUT)/images.o

# the runtime, and the string functions every level shares
PAL_LIB_OBJS := $(PAL_OUT)/lib/shared-string.c.o $(patsubst $(PAL_DIR)/lib/%,$(PAL_OUT)/lib/%.o,\
	$(wildcard $(PAL_DIR)/lib/*.c $(PAL_DIR)/lib/*.S))

.PHONY: pal-images
pal-images: $(PAL_IMAGES_OBJ)

# The BearSSL version wanted, rewritten only when it changes: objects and
# images depend on it (so a new version rebuilds them), and only order-only
# on the unpacked tree (unpacking it again changes nothing).
$(BEARSSL_WANT): pal-force
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = "$(BEARSSL_VERSION)" ] || echo "$(BEARSSL_VERSION)" > $@

# $(call fetch_deb,PACKAGE,VERSION,DIR): Debian's exact version of the
# arm64 package from the cache, else from the archive, else (offline)
# whatever version the cache has, unpacked into DIR.
define fetch_deb
	@mkdir -p $(BEARSSL_DEBS)
	@set -e; cache=$(BEARSSL_DEBS); deb=$$cache/$(1)_$(2)_arm64.deb; \
	if [ ! -f $$deb ]; then \
		echo "pal: downloading $(1):arm64 $(2)"; \
		(cd $$cache && apt-get download -q -o APT::Sandbox::User="$$(id -un)" \
			"$(1):arm64=$(2)") || true; \
	fi; \
	if [ ! -f $$deb ]; then \
		deb=$$(ls $$cache/$(1)_*_arm64.deb 2>/dev/null | sort -V | tail -n 1); \
		[ -n "$$deb" ] || { echo "pal: cannot get $(1):arm64 (dpkg --add-architecture arm64? network?)" >&2; exit 1; }; \
		echo "pal: warning: using the cached $$deb"; \
	fi; \
	rm -rf $(3); mkdir -p $(3); \
	dpkg-deb -x $$deb $(3); \
	touch $@
endef

$(BEARSSL_STAMP): $(BEARSSL_WANT)
	$(call fetch_deb,libbearssl-dev,$(BEARSSL_VERSION),$(BEARSSL_DIR))

# Nettle from Debian's nettle-dev:arm64, for the monitor's bulk SHA-256 (its
# arm64 code uses the CPU's SHA-256 instructions; lib/src/crypto.c), the
# same way.
NETTLE_VERSION ?= 3.8.1-2
NETTLE_DIR := $(PAL_OUT)/nettle
NETTLE_STAMP := $(NETTLE_DIR)/.unpacked-$(NETTLE_VERSION)
NETTLE_INC := $(NETTLE_DIR)/usr/include
NETTLE_LIB := $(NETTLE_DIR)/usr/lib/aarch64-linux-gnu/libnettle.a

$(NETTLE_STAMP):
	$(call fetch_deb,nettle-dev,$(NETTLE_VERSION),$(NETTLE_DIR))

.PHONY: pal-force
pal-force:

$(PAL_OUT)/lib/%.c.o: $(PAL_DIR)/lib/%.c $(BEARSSL_WANT) | $(BEARSSL_STAMP)
	@mkdir -p $(@D)
	$(CC) $(PAL_CFLAGS) -c -o $@ $<

$(PAL_OUT)/lib/shared-string.c.o: $(PAL_DIR)/../lib/src/string.c
	@mkdir -p $(@D)
	$(CC) $(PAL_CFLAGS) -c -o $@ $<

$(PAL_OUT)/lib/%.S.o: $(PAL_DIR)/lib/%.S
	@mkdir -p $(@D)
	$(CC) -I$(PAL_DIR)/include -I$(PAL_DIR)/../lib/include $(ASFLAGS_COMMON) -MMD -MP -c -o $@ $<

# $(1) = PAL name
define pal_image
$(1)_PAL_OBJS := $$(patsubst $(PAL_DIR)/$(1)/%.c,$(PAL_OUT)/$(1)/%.o,$$(wildcard $(PAL_DIR)/$(1)/*.c))

$(PAL_OUT)/$(1)/%.o: $(PAL_DIR)/$(1)/%.c $(BEARSSL_WANT) | $(BEARSSL_STAMP)
	@mkdir -p $$(@D)
	$$(CC) $$(PAL_CFLAGS) -c -o $$@ $$<

# the folder too, so that a removed source file relinks
$(PAL_OUT)/$(1).elf: $$($(1)_PAL_OBJS) $(PAL_LIB_OBJS) $(PAL_DIR)/linker.ld $(PAL_DIR)/$(1) \
		$(BEARSSL_WANT) | $(BEARSSL_STAMP)
	$$(LD) $(PAL_LDFLAGS) -T $(PAL_DIR)/linker.ld -Map $(PAL_OUT)/$(1).map -o $$@ \
		$$($(1)_PAL_OBJS) $(PAL_LIB_OBJS) $(BEARSSL_LIB)

# the file must be exactly the header's image_size (offset 56)
$(PAL_OUT)/$(1).bin: $(PAL_OUT)/$(1).elf
	$$(OBJCOPY) -O binary $$< $$@
	@[ $$$$(stat -c %s $$@) = $$$$(od -An -t u4 -j 56 -N 4 $$@ | tr -d ' ') ] || \
		{ echo "pal: $$@: size differs from image_size" >&2; rm -f $$@; exit 1; }
endef
$(foreach n,$(PAL_NAMES),$(eval $(call pal_image,$(n))))

# images.S names every PAL: regenerated when the set of PAL folders changes
# (the pal/ folder's mtime) or this file does; images.o also on every .bin.
$(PAL_OUT)/images.S: $(PAL_DIR)/pal.mk $(PAL_DIR)
	@mkdir -p $(@D)
	@{ echo '/* generated by pal/pal.mk: the PAL images and their table */'; \
	echo '	.section .rodata.pals, "a"'; \
	$(foreach n,$(PAL_BUILTIN),echo '	.balign 4096'; \
		echo 'pal_image_$(n):'; \
		echo '	.incbin "$(abspath $(PAL_OUT)/$(n).bin)"'; \
		echo 'pal_image_$(n)_end:';) \
	echo '	.balign 8'; \
	echo '	.globl pal_image_table'; \
	echo '	.type pal_image_table, %object'; \
	echo 'pal_image_table:'; \
	$(foreach n,$(PAL_BUILTIN),echo '	.quad pal_image_$(n), pal_image_$(n)_end - pal_image_$(n)';) \
	echo '	.quad 0, 0'; \
	echo '	.size pal_image_table, . - pal_image_table'; } > $@.tmp
	@mv $@.tmp $@

$(PAL_IMAGES_OBJ): $(PAL_OUT)/images.S $(PAL_BUILTIN_BINS)
	$(CC) $(ASFLAGS_COMMON) -c -o $@ $<

-include $(wildcard $(PAL_OUT)/*/*.d $(PAL_OUT)/lib/*.d)

ifeq ($(PAL_STANDALONE),1)
.DEFAULT_GOAL := pal-images
.SECONDARY:
else
# included: leave the including Makefile's default goal alone
.DEFAULT_GOAL := $(pal_saved_goal)
endif
