#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Configures (once) and builds one build directory, quietly unless it fails.
#   scripts/build.sh DIR [meson setup options...]
# The environment's CC picks the compiler at setup time.
set -euo pipefail
dir=$1
shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ ! -f "$dir/build.ninja" ]; then
	if ! meson setup "$dir" "$@" >"$log" 2>&1; then
		cat "$log" >&2
		exit 1
	fi
fi
if ! meson compile -C "$dir" >"$log" 2>&1; then
	cat "$log" >&2
	exit 1
fi
