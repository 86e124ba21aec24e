# QEMU virt: the console UART is a PL011.
BOARD_SRCS := lib/src/pl011.c
