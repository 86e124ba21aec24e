# Building a PAL outside the tzvisor tree with the PAL SDK (README.md):
#
#   make -f $(PAL_SDK)/pal.mk NAME=mypal SRCS="a.c b.c" KEY=mykey.key SVN=1 [VERSION=1]
#
# or include this file from a Makefile that sets those. It compiles SRCS
# for S-EL0, links them with the PAL runtime and BearSSL at the PAL address
# space (linker.ld), and signs the image into NAME.ta with tzv-sign. The
# flags are the tzvisor build's own (flags.mk, written by make pal-sdk).
PAL_SDK := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
include $(PAL_SDK)/flags.mk

CROSS ?= aarch64-linux-gnu-
PAL_CC ?= $(CROSS)gcc
PAL_LD ?= $(CROSS)ld
PAL_OBJCOPY ?= $(CROSS)objcopy
VERSION ?= 1
PAL_OBJS := $(patsubst %.c,%.o,$(SRCS))

$(if $(NAME),,$(error pal.mk: set NAME, the PAL's file name))
$(if $(SRCS),,$(error pal.mk: set SRCS, its C sources))

$(NAME).ta: $(NAME).bin $(KEY)
	$(if $(KEY),,$(error pal.mk: set KEY, your PAL-signing key (tzv-sign signer-key DIR NAME)))
	$(if $(SVN),,$(error pal.mk: set SVN, its security version))
	$(PAL_SDK)/bin/tzv-sign pal $< $@ --key $(KEY) --svn $(SVN) --version $(VERSION)

# the image is exactly what its header's image_size (offset 56) says
$(NAME).bin: $(NAME).elf
	$(PAL_OBJCOPY) -O binary $< $@
	@[ $$(stat -c %s $@) = $$(od -An -t u4 -j 56 -N 4 $@ | tr -d ' ') ] || \
		{ echo "pal.mk: $@: size differs from image_size" >&2; rm -f $@; exit 1; }

$(NAME).elf: $(PAL_OBJS) $(PAL_SDK)/linker.ld $(PAL_SDK)/lib/libpal.a
	$(PAL_LD) $(PAL_SDK_LDFLAGS) -T $(PAL_SDK)/linker.ld -o $@ $(PAL_OBJS) \
		--start-group $(PAL_SDK)/lib/libpal.a $(PAL_SDK)/lib/libbearssl.a --end-group

%.o: %.c
	$(PAL_CC) $(PAL_SDK_CFLAGS) -I$(PAL_SDK)/include -c -o $@ $<

.PHONY: clean
clean:
	rm -f $(NAME).ta $(NAME).bin $(NAME).elf $(PAL_OBJS) $(PAL_OBJS:.o=.d)

-include $(PAL_OBJS:.o=.d)
