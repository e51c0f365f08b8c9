#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds (once, cached) the Linux 6.1 kernel the kernel suite boots and the
# rheap module compiles against.
#   scripts/kernel/build-kernel.sh [--arch x86_64|arm64] [--full] [--kdir|--image]
# --kdir prints the configured O= build tree (KDIR for make -C KDIR M=...),
# --image prints the bootable image; both build first if needed.
#
# Source: /usr/src/linux-source-6.1.tar.xz (Debian linux-source-6.1),
# extracted once into $cache/src-<srckey>/ and patched with
# kernel/linux/patches/*.patch. Config: tinyconfig + kernel/linux/config/
# rheap.config + rheap-<arch>.config (merge_config.sh, olddefconfig), then
# every fragment line is checked against the final .config. x86_64 builds
# bzImage + modules (+ Module.symvers) + headers (usr/include: the patched
# uapi for the static in-guest programs). arm64 with --full or --image builds
# Image + modules + headers (qemu -M virt boots arch/arm64/boot/Image); arm64
# --kdir alone builds only modules_prepare + headers (seconds: enough to
# cross-compile the module with KBUILD_MODPOST_WARN=1), its own cache entry.
# Cache: ${RHEAP_KCACHE:-$HOME/.cache/rheap/kernel}/<key>/ with key = sha256
# of the tarball's name and size, the patches, the fragments, the arch and
# this recipe's version; build/ in it is the O= tree, build.log the log.
# Concurrent callers serialise on flock: the second one finds it built.
set -euo pipefail

recipe=1 # bump when a change below must invalidate every cache entry
root=$(cd "$(dirname "$0")/../.." && pwd)
tarball=${RHEAP_KTARBALL:-/usr/src/linux-source-6.1.tar.xz}
cache=${RHEAP_KCACHE:-$HOME/.cache/rheap/kernel}
jobs=${RHEAP_KJOBS:-2}
arch=x86_64
print=
full=

while [ $# -gt 0 ]; do
	case $1 in
	--arch) arch=${2:?--arch needs x86_64 or arm64}; shift 2 ;;
	--arch=*) arch=${1#--arch=}; shift ;;
	--kdir) print=kdir; shift ;;
	--image) print=image; full=1; shift ;;
	--full) full=1; shift ;;
	-h | --help) sed -n '3,20p' "$0"; exit 0 ;;
	*) echo "build-kernel: unknown argument '$1'" >&2; exit 2 ;;
	esac
done

case $arch in
x86_64) make_arch=(ARCH=x86_64); target=(all headers) ;;
arm64)
	make_arch=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	if [ -n "$full" ]; then target=(Image modules headers); else target=(modules_prepare headers); fi
	;;
*) echo "build-kernel: unsupported arch '$arch'" >&2; exit 2 ;;
esac

log() { echo "build-kernel: $*" >&2; }

[ -r "$tarball" ] || { log "missing $tarball (apt-get install linux-source-6.1)"; exit 1; }

patches=("$root"/kernel/linux/patches/*.patch)
[ -e "${patches[0]}" ] || patches=()
fragments=("$root/kernel/linux/config/rheap.config"
	"$root/kernel/linux/config/rheap-$arch.config")
for f in "${fragments[@]}"; do
	[ -r "$f" ] || { log "missing config fragment $f"; exit 1; }
done

srckey=$({
	echo "recipe $recipe"
	echo "tarball $(basename "$tarball") $(stat -c %s "$tarball")"
	for p in "${patches[@]}"; do echo "patch $(basename "$p")"; cat "$p"; done
} | sha256sum | cut -c1-16)
key=$({
	echo "src $srckey arch $arch"
	for f in "${fragments[@]}"; do echo "fragment $(basename "$f")"; cat "$f"; done
	# arm64's two flavours are two entries (x86_64 always builds all)
	if [ "$arch" = arm64 ] && [ -n "$full" ]; then echo "target ${target[*]}"; fi
} | sha256sum | cut -c1-16)

mkdir -p "$cache"
src=$cache/src-$srckey
dir=$cache/$arch-$key
obj=$dir/build

# The source tree: extracted and patched under its own lock, renamed into
# place only when complete, so a killed extraction never looks finished.
extract() {
	if [ -d "$src" ]; then return; fi
	local tmp=$src.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	log "extracting $(basename "$tarball") into $src"
	# Everything: Kconfig sources every arch's and Documentation's Kconfig.
	tar -xJf "$tarball" -C "$tmp" --strip-components=1
	local p
	for p in "${patches[@]}"; do
		log "applying $(basename "$p")"
		patch -d "$tmp" -p1 --forward --quiet <"$p" || {
			log "patch $(basename "$p") does not apply"
			rm -rf "$tmp"
			exit 1
		}
	done
	mv "$tmp" "$src"
}

# Every fragment line must be in the final .config as written: an option
# olddefconfig dropped (unmet dependency, renamed symbol) fails the build.
check_config() {
	local f line sym bad=0
	for f in "${fragments[@]}"; do
		while IFS= read -r line; do
			case $line in
			CONFIG_*=*)
				if ! grep -qxF "$line" "$obj/.config"; then
					sym=${line%%=*}
					log "config: $line from $(basename "$f") did not survive;" \
						"final: $(grep -E "^(# )?$sym[= ]" "$obj/.config" || echo unset)"
					bad=1
				fi
				;;
			"# CONFIG_"*" is not set")
				sym=${line#\# }
				sym=${sym%% *}
				if grep -q "^$sym=" "$obj/.config"; then
					log "config: $sym must be off ($(basename "$f")), final: $(grep "^$sym=" "$obj/.config")"
					bad=1
				fi
				;;
			esac
		done <"$f"
	done
	[ $bad -eq 0 ] || { log "config check failed: see $obj/.config"; exit 1; }
}

build() {
	if [ -e "$dir/built" ]; then return; fi
	(
		flock 8
		extract
	) 8>"$src.lock"
	rm -rf "$obj"
	mkdir -p "$obj"
	local start=$SECONDS
	log "configuring $arch in $obj (tinyconfig + $(basename "${fragments[0]}") + $(basename "${fragments[1]}"))"
	{
		make -C "$src" O="$obj" "${make_arch[@]}" tinyconfig &&
			env "${make_arch[@]}" "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" \
			"$obj/.config" "${fragments[@]}" &&
			make -C "$src" O="$obj" "${make_arch[@]}" olddefconfig
	} >"$dir/build.log" 2>&1 || { log "configuration failed: $dir/build.log"; tail -20 "$dir/build.log" >&2; exit 1; }
	check_config
	log "building ${target[*]} with -j$jobs (log: $dir/build.log)"
	if ! make -C "$src" O="$obj" "${make_arch[@]}" -j"$jobs" "${target[@]}" >>"$dir/build.log" 2>&1; then
		log "build failed: $dir/build.log"
		grep -E 'error|Error' "$dir/build.log" | head -20 >&2 || true
		tail -20 "$dir/build.log" >&2
		exit 1
	fi
	if [ "$arch" = x86_64 ]; then
		ln -sf build/arch/x86/boot/bzImage "$dir/bzImage"
	elif [ -n "$full" ]; then
		ln -sf build/arch/arm64/boot/Image "$dir/Image"
	fi
	echo "$((SECONDS - start))" >"$dir/build-seconds"
	log "built $arch in $((SECONDS - start)) s"
	touch "$dir/built"
}

# Built entries are never changed again: no lock to read one. Otherwise
# the entry's lock serialises its builders (the second one finds it built)
# and the source tree's lock its extraction.
if [ ! -e "$dir/built" ]; then
	mkdir -p "$dir"
	(
		flock 9
		build
	) 9>"$dir.lock"
fi

case $print in
kdir) echo "$obj" ;;
image) if [ "$arch" = x86_64 ]; then echo "$dir/bzImage"; else echo "$dir/Image"; fi ;;
esac
