#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Packs the kernel suite's initramfs (docs/kernel-suite.md).
#   scripts/kernel/mkinitramfs.sh OUT.cpio.gz [--module KO]... [--no-module]
#                                 [TEST]...
# Contents: /bin/busybox (busybox-static; /init installs its links),
# tests/kernel/init as /init, each --module KO (default: every
# kernel/linux/*.ko; --no-module: none) in /lib/modules/, each TEST (a
# static program or a script) in /tests/ under its own name: /init runs
# them in name order. Needs no root: gen_init_cpio from the kernel build
# tree writes the device nodes and the owners.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 OUT.cpio.gz [--module KO]... [TEST]..." >&2; exit 2; }
out=$1
shift
busybox=${RHEAP_BUSYBOX:-/bin/busybox}
modules=()
tests=()
no_module=0
while [ $# -gt 0 ]; do
	case $1 in
	--module) modules+=("${2:?--module needs a file}"); shift 2 ;;
	--no-module) no_module=1; shift ;;
	*) tests+=("$1"); shift ;;
	esac
done
if [ ${#modules[@]} -eq 0 ] && [ $no_module -eq 0 ]; then
	for ko in "$root"/kernel/linux/*.ko; do
		[ -e "$ko" ] && modules+=("$ko")
	done
fi

if [ ! -x "$busybox" ] || readelf -lW "$busybox" 2>/dev/null | grep -q 'program interpreter'; then
	echo "mkinitramfs: $busybox is not a static busybox (apt-get install busybox-static)" >&2
	exit 1
fi
kdir=$("$root/scripts/kernel/build-kernel.sh" --kdir)
gen=$kdir/usr/gen_init_cpio
[ -x "$gen" ] || { echo "mkinitramfs: no $gen in the kernel tree" >&2; exit 1; }

list=$(mktemp)
trap 'rm -f "$list"' EXIT
{
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "nod /dev/null 0666 0 0 c 1 3"
	for d in bin sbin usr usr/bin usr/sbin proc sys tmp root run lib lib/modules tests; do
		echo "dir /$d 0755 0 0"
	done
	echo "file /bin/busybox $busybox 0755 0 0"
	echo "file /init $root/tests/kernel/init 0755 0 0"
	for ko in ${modules[@]+"${modules[@]}"}; do
		[ -r "$ko" ] || { echo "mkinitramfs: missing module $ko" >&2; exit 1; }
		echo "file /lib/modules/$(basename "$ko") $(realpath "$ko") 0644 0 0"
	done
	for t in ${tests[@]+"${tests[@]}"}; do
		[ -r "$t" ] || { echo "mkinitramfs: missing test $t" >&2; exit 1; }
		echo "file /tests/$(basename "$t") $(realpath "$t") 0755 0 0"
	done
} >"$list"
"$gen" "$list" | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out: ${#modules[@]} module(s), ${#tests[@]} test(s), $(stat -c %s "$out") bytes" >&2
