# tools/tzv-sign: the host signing tool (docs/secure-boot.md), built with the
# host gcc against Debian's libbearssl-dev (amd64), and the development keys
# it makes. Included by the top-level Makefile, or alone:
#   make -f tools/tzv-sign/tzv-sign.mk BUILD=build-sign [tzv-sign | tzv-sign-keys]
# Provides TZV_SIGN (the tool), TZV_KEYS (the key directory), TZV_KEY_FILES
# and a rule for $(TZV_KEYS)/rotpk.h (and the other key files).

# alone, `make -f` builds the tool; included, this fragment leaves the
# including Makefile's default goal alone
TZV_SIGN_ALONE := $(if $(word 2,$(MAKEFILE_LIST)),,1)
TZV_SIGN_GOAL := $(.DEFAULT_GOAL)

BUILD ?= build
TZV_SIGN_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
export TZV_SIGN := $(BUILD)/tools/tzv-sign
export TZV_KEYS := $(BUILD)/keys
TZV_KEY_FILES := $(addprefix $(TZV_KEYS)/,root.key root.pub root.pem rotpk.h \
	device-secret.bin device.pem provider.key provider.pub)

TZV_SIGN_HOSTCC ?= gcc
# test/host/test_sign.py builds it with TZV_SIGN_SANITIZE="-fsanitize=..."
TZV_SIGN_SANITIZE ?=
TZV_SIGN_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wvla -Wmissing-prototypes \
	-I$(TZV_SIGN_DIR)/../../lib/include $(TZV_SIGN_SANITIZE)

$(TZV_SIGN): $(TZV_SIGN_DIR)/tzv-sign.c $(TZV_SIGN_DIR)/tzv-sign.mk $(TZV_SIGN_DIR)/../../lib/include/tzv/pal-abi.h
	@test -f /usr/include/bearssl.h || { echo "tzv-sign: libbearssl-dev (amd64) is missing;" \
		"run scripts/host-deps.sh as root" >&2; exit 1; }
	@mkdir -p $(@D)
	$(TZV_SIGN_HOSTCC) $(TZV_SIGN_CFLAGS) -o $@ $< -lbearssl

# `tzv-sign keys` creates what is missing and rewrites the derived files only
# when their content changes, so the monitor (rotpk.h) and the flash image
# (device-secret.bin) are rebuilt only when a key really changed. The stamp
# makes it run again after the tool changed; a deleted key file is remade.
$(TZV_KEYS)/.stamp: $(TZV_SIGN)
	$(TZV_SIGN) keys $(TZV_KEYS)
	@touch $@

$(TZV_KEY_FILES): $(TZV_KEYS)/.stamp
	@test -f $@ || { echo "$(TZV_SIGN) keys $(TZV_KEYS)"; $(TZV_SIGN) keys $(TZV_KEYS); }

.PHONY: tzv-sign tzv-sign-keys
tzv-sign: $(TZV_SIGN)
tzv-sign-keys: $(TZV_KEY_FILES)

.DEFAULT_GOAL := $(if $(TZV_SIGN_ALONE),tzv-sign,$(TZV_SIGN_GOAL))
