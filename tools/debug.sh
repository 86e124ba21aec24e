#!/usr/bin/env bash
# make debug: QEMU waits for gdb at reset; gdb-multiarch gets the symbols of
# every level (monitor, STK, hypervisor), so breakpoints work at EL3, S-EL1
# and EL2 alike. The console is in QEMU's window-less serial, logged to
# BUILD/debug-console.log (tail -f it in another terminal).
set -eu
build=${1:?usage: tools/debug.sh BUILD_DIR [gdb arguments...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
log=$build/debug-console.log
"$here/run-qemu" "$build" -s -S -serial "file:$log" -monitor none -display none \
	-nographic >/dev/null 2>&1 &
qpid=$!
trap 'kill "$qpid" 2>/dev/null || true' EXIT
echo "debug: QEMU (pid $qpid) waits for gdb on :1234; console -> $log"
gdb-multiarch -q \
	-ex "set confirm off" -ex "set architecture aarch64" \
	-ex "file $build/monitor.elf" \
	-ex "add-symbol-file $build/tee.elf" \
	-ex "add-symbol-file $build/hyp.elf" \
	-ex "target remote :1234" "$@"
