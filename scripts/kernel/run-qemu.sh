#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Boots the kernel suite's guest under qemu-system-x86_64 -M pc or, with
# --arch arm64, qemu-system-aarch64 -M virt -cpu max (TCG both) and turns
# its RHEAP-KTEST lines into an exit status (docs/kernel-suite.md).
#   scripts/kernel/run-qemu.sh --initrd FILE [--arch x86_64|arm64]
#       [--kernel FILE] [--board BIN --tl FILE] [--timeout S] [--append ARGS]
#       [--log FILE] [--keys FILE] [--keep] [-v]
# arm64: --tl is linux-guest-arm64.tl (RAM at 0x4000_0000); the command line
# carries that platform's pool table (rheap.pools=, rheap.selftest_pa=).
# --board: rheap-board is started first as the ivshmem server with the
# guest's RAM file (--tl: the linux-guest.tl of the meson build) and
# --debug-dump (the TEE test's DUMP, as in the integration tests) and
# --fault guest (heaps_faults arms failures through debugfs rheap/fault,
# docs/board-transport.md "Fault injection"); without
# it the guest has no ivshmem device (a boot smoke test). --keys FILE: the
# board's content keys (rheap-board --keys; the TEE test's DECRYPT).
# The run directory ($RHEAP_KRUN or a new /tmp/rheap-ktest.*) holds
# guest-ram, ivshmem.sock, console.log, board.log; it is removed after a
# pass unless --keep. --log FILE gets a copy of the console either way
# (heaps_bench's figures are there). -v echoes the console while it runs;
# a failure prints it afterwards. Exit 0 only when DONE says failed=0 and
# every listed test passed; 1 otherwise (a timeout included).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
kernel=
initrd=
board=
tl=
timeout_s=${RHEAP_KTIMEOUT:-420}
append=
keep=0
verbose=0
log=
arch=x86_64
keys=()
while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--board) board=$2; shift 2 ;;
	--tl) tl=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--keys) keys=(--keys "$2"); shift 2 ;;
	--keep) keep=1; shift ;;
	-v) verbose=1; shift ;;
	-h | --help) sed -n '3,22p' "$0"; exit 0 ;;
	*) echo "run-qemu: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$initrd" ] || { echo "run-qemu: --initrd is required" >&2; exit 2; }
case $arch in x86_64 | arm64) ;; *) echo "run-qemu: unknown arch '$arch'" >&2; exit 2 ;; esac
[ -n "$kernel" ] || kernel=$("$root/scripts/kernel/build-kernel.sh" --arch "$arch" --image)
if [ -n "$board" ] && [ -z "$tl" ]; then
	echo "run-qemu: --board needs --tl (linux-guest.tl)" >&2
	exit 2
fi

run=${RHEAP_KRUN:-$(mktemp -d /tmp/rheap-ktest.XXXXXX)}
mkdir -p "$run"
console=$run/console.log
: >"$console"
board_pid=
qemu_pid=
tail_pid=
cleanup() {
	for p in $tail_pid $qemu_pid $board_pid; do
		kill "$p" 2>/dev/null || true
	done
	for p in $tail_pid $qemu_pid $board_pid; do
		wait "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT

# Guest RAM: a shared file QEMU maps as the guest's memory and the board as
# its DRAM bank at PA 0 (docs/ffa-mailbox.md). tmpfs punches holes.
ram=$run/guest-ram
ram_size=512M
[ "$arch" = x86_64 ] || ram_size=1G # linux-guest-arm64.dts
truncate -s "$ram_size" "$ram"

ivshmem=()
if [ -n "$board" ]; then
	"$board" --tl "$tl" --ivshmem "$run/ivshmem.sock" --guest-ram "$ram" \
		--socket "$run/board.sock" --sink-dir "$run/sink" --debug-dump --fault guest \
		${keys[@]+"${keys[@]}"} \
		>"$run/board.log" 2>&1 &
	board_pid=$!
	for _ in $(seq 100); do
		[ -S "$run/ivshmem.sock" ] && break
		kill -0 "$board_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -S "$run/ivshmem.sock" ]; then
		echo "run-qemu: rheap-board did not create $run/ivshmem.sock" >&2
		cat "$run/board.log" >&2
		exit 1
	fi
	ivshmem=(-chardev "socket,path=$run/ivshmem.sock,id=ivsh"
		-device ivshmem-doorbell,chardev=ivsh,vectors=1)
fi

start=$SECONDS
if [ "$arch" = x86_64 ]; then
	# memmap: the static pools of platforms/linux-guest.dts
	# (docs/ffa-mailbox.md); cma: the two dynamic pools as one CMA area.
	cmdline="console=ttyS0 panic=-1 memmap=48M\$0x1c000000 cma=192M@0x4000000 $append"
	qemu-system-x86_64 -accel tcg -m 512M -smp 1 \
		-display none -monitor none -no-reboot \
		-object "memory-backend-file,id=ram,size=512M,mem-path=$ram,share=on" \
		-machine pc,memory-backend=ram \
		${ivshmem[@]+"${ivshmem[@]}"} \
		-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
		-serial "file:$console" </dev/null >"$run/qemu.log" 2>&1 &
else
	# platforms/linux-guest-arm64.dts: RAM 0x4000_0000 + 1 GiB; mem=960M
	# keeps the kernel below the static pools at 0x7c00_0000 (arm64 has no
	# memmap=$); cma: the dynamic pools 0x4c00_0000 + 192 MiB as one CMA
	# area, base + size = limit (a fixed placement: memblock's top-down
	# early allocations stay above it, in 0x5800_0000..), starting 8 MiB
	# below the pools: it is also the default DMA CMA area, and arm64's
	# DMA atomic pool (kernel/dma/pool.c) is taken from its very start
	# (the first chunk was -EBUSY when the area began at the pools);
	# rodata=full: a
	# page-granular linear map (set_direct_map_*). The module's defaults
	# are x86's: the pool table and the selftest window come from here.
	pools=s1@0x7c000000+0x2000000,s2@0x7e000000+0x1000000
	pools=$pools,d1@0x4c000000+0x8000000,d3@0x54000000+0x4000000
	cmdline="console=ttyAMA0 panic=-1 mem=960M cma=200M@0x4b800000-0x58000000 rodata=full"
	cmdline="$cmdline rheap.pools=$pools rheap.selftest_pa=0x53e00000 $append"
	qemu-system-aarch64 -accel tcg -M virt,gic-version=3 \
		-cpu max,pauth-impdef=on -m 1G -smp 1 \
		-display none -monitor none -no-reboot \
		-object "memory-backend-file,id=ram,size=1G,mem-path=$ram,share=on" \
		-machine memory-backend=ram \
		${ivshmem[@]+"${ivshmem[@]}"} \
		-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
		-serial "file:$console" </dev/null >"$run/qemu.log" 2>&1 &
fi
qemu_pid=$!
if [ $verbose -eq 1 ]; then
	tail -n +1 -f "$console" &
	tail_pid=$!
fi

status=
while :; do
	if grep -q '^RHEAP-KTEST: DONE' "$console"; then
		# /init reboots: -no-reboot ends QEMU; give it a moment.
		for _ in $(seq 50); do
			kill -0 "$qemu_pid" 2>/dev/null || break
			sleep 0.1
		done
		break
	fi
	if ! kill -0 "$qemu_pid" 2>/dev/null; then
		status="QEMU exited before DONE"
		break
	fi
	if [ $((SECONDS - start)) -ge "$timeout_s" ]; then
		status="timeout after $timeout_s s"
		break
	fi
	sleep 0.5
done
if [ -n "$tail_pid" ]; then
	sleep 0.2
	kill "$tail_pid" 2>/dev/null || true
	wait "$tail_pid" 2>/dev/null || true
	tail_pid=
fi
elapsed=$((SECONDS - start))

[ -z "$log" ] || tr -d '\r' <"$console" >"$log"
lines=$(tr -d '\r' <"$console" | grep -a '^RHEAP-KTEST: ' || true)
tests=$(echo "$lines" | grep -v '^RHEAP-KTEST: DONE' | grep . || true)
done_line=$(echo "$lines" | grep '^RHEAP-KTEST: DONE' | tail -1 || true)
[ -z "$tests" ] || echo "$tests"
npass=$(echo "$tests" | grep -c ' PASS$' || true)
nfail=$(echo "$tests" | grep -c ' FAIL' || true)
ok=1
if [ -n "$status" ]; then
	ok=0
elif [ -z "$done_line" ]; then
	ok=0
	status="no DONE line"
else
	echo "$done_line"
	if [ "$done_line" != "RHEAP-KTEST: DONE passed=$npass failed=0" ] || [ "$nfail" -ne 0 ]; then
		ok=0
		status="failures (or DONE disagrees with the test lines)"
	fi
fi

if [ $ok -eq 1 ]; then
	echo "run-qemu: PASS: $npass test(s) in $elapsed s"
	if [ $keep -eq 0 ]; then
		cleanup
		trap - EXIT
		rm -rf "$run"
	fi
	exit 0
fi
if [ $verbose -eq 0 ]; then
	echo "run-qemu: ---- console ($console) ----" >&2
	tr -d '\r' <"$console" >&2
fi
if [ -s "$run/qemu.log" ]; then
	echo "run-qemu: ---- qemu ----" >&2
	cat "$run/qemu.log" >&2
fi
if [ -n "$board" ]; then
	echo "run-qemu: ---- board (last 40 lines) ----" >&2
	tail -40 "$run/board.log" >&2
fi
echo "run-qemu: FAIL: $status ($npass passed, $nfail failed, $elapsed s; run dir $run kept)" >&2
exit 1
