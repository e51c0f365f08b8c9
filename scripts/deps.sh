#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Installs, on Debian 12 as root, every package rheap builds and tests with.
# Does nothing (and needs no network) when they are all present already.
set -euo pipefail

packages=(
	build-essential pkg-config meson ninja-build python3
	clang libclang-rt-14-dev   # libFuzzer, ASan and UBSan runtimes
	libcmocka-dev              # unit tests
	libfdt-dev device-tree-compiler
	libmbedtls-dev             # AES for the SDP partition (src/sp)
	ffmpeg libavformat-dev libavcodec-dev libavutil-dev libswscale-dev
	                           # the board's vdec/display (src/hw), test clips
	spin                       # model check of the share life cycle (tests/model)
	linux-source-6.1 qemu-system-x86 busybox-static gcc-aarch64-linux-gnu
	flex bison bc libelf-dev libssl-dev cpio xz-utils patch
	                           # the kernel suite (scripts/kernel/ktest.sh)
)

# The kernel suite's opt-in arm64 boot (RHEAP_KTEST_ARM64=1) needs more:
# QEMU for arm64, a static libc for the in-guest programs, and dpkg's
# arm64 architecture, because ktest.sh fetches busybox-static:arm64 with
# apt-get download (installing it would replace the amd64 one). Only then:
# the default test command never touches a foreign architecture.
if [ "${RHEAP_KTEST_ARM64:-0}" = 1 ]; then
	packages+=(qemu-system-arm libc6-dev-arm64-cross)
fi
if [ "${RHEAP_KTEST_ARM64:-0}" = 1 ] &&
	! dpkg --print-foreign-architectures | grep -qx arm64; then
	if [ "$(id -u)" -eq 0 ]; then
		dpkg --add-architecture arm64
		apt-get update -qq
	else
		echo "deps: run as root once to add dpkg's arm64 architecture (ktest's arm64 stage)" >&2
	fi
fi

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
