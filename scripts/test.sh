#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# The whole test suite, as CI runs it (.ci/run calls this file):
#   1. gcc build: unit tests, fuzz-corpus replay, integration tests, and
#      the SPIN model check of the FF-A share life cycle (tests/model);
#   2. the kernel suite (scripts/kernel/ktest.sh, docs/kernel-suite.md):
#      a Linux 6.1 guest under QEMU TCG running the rheap module's tests;
#   3. clang ASan+UBSan build: the same suites;
#   4. libFuzzer smoke: every fuzz target for FUZZ_SECONDS (default 20 s)
#      under ASan+UBSan, starting from its checked-in corpus.
# Ends with one line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

fuzz_seconds=${FUZZ_SECONDS:-20}
passed=0
failed=0

scripts/deps.sh

# Counts what each suite checked, from meson's log of the test outputs:
# cmocka's "[  PASSED  ] N test(s)." lines, the integration script's
# "N passed, N failed" line and the corpus replays. A test binary that died
# before printing its counts is caught by meson's own "Fail:" summary.
run_suites() {
	local dir=$1 out rc=0 log unit_ok unit_bad integ_ok integ_bad corpus
	local meson_bad
	out=$(meson test -C "$dir" --print-errorlogs --suite unit \
		--suite fuzz-smoke --suite integration 2>&1) || rc=$?
	printf '%s\n' "$out" | grep -E '^ *[0-9]+/[0-9]+ ' || true
	log=$dir/meson-logs/testlog.txt
	unit_ok=$(awk '/^\[  PASSED  \] [0-9]+ test/ {s += $4} END {print s + 0}' "$log")
	unit_bad=$(awk '/^\[  FAILED  \] [0-9]+ test/ {s += $4} END {print s + 0}' "$log")
	integ_ok=$(awk '/^[0-9]+ passed, [0-9]+ failed$/ {s += $1} END {print s + 0}' "$log")
	integ_bad=$(awk '/^[0-9]+ passed, [0-9]+ failed$/ {s += $3} END {print s + 0}' "$log")
	corpus=$(awk '/^replayed [0-9]+ inputs/ {s += $2} END {print s + 0}' "$log")
	meson_bad=$(printf '%s\n' "$out" | awk '/^(Fail|Timeout):/ {s += $2} END {print s + 0}')
	echo "unit: ${unit_ok} cmocka tests passed, ${unit_bad} failed;" \
		"integration: ${integ_ok} checks passed, ${integ_bad} failed;" \
		"fuzz corpora: ${corpus} inputs replayed"
	passed=$((passed + unit_ok + integ_ok + $(printf '%s\n' "$out" | grep -c 'fuzz-smoke / .* OK' || true)))
	failed=$((failed + unit_bad + integ_bad))
	if [ "$meson_bad" -gt "$((unit_bad + integ_bad))" ]; then
		failed=$((failed + meson_bad - unit_bad - integ_bad))
	fi
	if [ $rc -ne 0 ]; then
		printf '%s\n' "$out" | sed -n '/^--- /,$p' | head -n 200
		if [ "$meson_bad" -eq 0 ]; then
			failed=$((failed + 1)) # meson itself failed
		fi
	fi
}

echo "== gcc build (build/)"
CC=gcc scripts/build.sh build
run_suites build

# The SPIN model check (tests/model) does not depend on the compiler: gcc
# build only. Counts the configurations its "N passed, N failed" line reports.
echo "== model check (build/, suite model)"
rc=0
out=$(meson test -C build --print-errorlogs --suite model 2>&1) || rc=$?
grep -E '^spin ' build/meson-logs/testlog.txt || true
model_ok=$(awk '/^[0-9]+ passed, [0-9]+ failed$/ {s += $1} END {print s + 0}' build/meson-logs/testlog.txt)
model_bad=$(awk '/^[0-9]+ passed, [0-9]+ failed$/ {s += $3} END {print s + 0}' build/meson-logs/testlog.txt)
echo "model: ${model_ok} configurations as expected, ${model_bad} not"
passed=$((passed + model_ok))
failed=$((failed + model_bad))
if [ $rc -ne 0 ] && [ "$model_bad" -eq 0 ]; then
	printf '%s\n' "$out" | tail -n 40
	failed=$((failed + 1)) # meson itself failed
fi

# The kernel suite (docs/kernel-suite.md): kernel (cached), module x86_64 and
# arm64, checkpatch, initramfs, a TCG boot against rheap-board (build/).
# Counts its "kernel: P passed, F failed" line.
echo "== kernel suite (scripts/kernel/ktest.sh)"
rc=0
out=$(RHEAP_BUILD=build scripts/kernel/ktest.sh 2>&1) || rc=$?
printf '%s\n' "$out" | grep -E '^(ktest: |RHEAP-KTEST: |kernel: )' || true
kern_ok=$(printf '%s\n' "$out" | awk '/^kernel: [0-9]+ passed, [0-9]+ failed$/ {print $2}')
kern_bad=$(printf '%s\n' "$out" | awk '/^kernel: [0-9]+ passed, [0-9]+ failed$/ {print $4}')
passed=$((passed + ${kern_ok:-0}))
failed=$((failed + ${kern_bad:-0}))
if [ $rc -ne 0 ]; then
	printf '%s\n' "$out" | tail -n 80
	if [ -z "$kern_bad" ] || [ "$kern_bad" -eq 0 ]; then
		failed=$((failed + 1)) # the suite died before its summary
	fi
fi

echo "== clang ASan+UBSan build (build-asan/)"
CC=clang scripts/build.sh build-asan -Db_sanitize=address,undefined \
	-Db_lundef=false
run_suites build-asan

echo "== libFuzzer smoke, ${fuzz_seconds} s per target (build-fuzz/)"
CC=clang scripts/build.sh build-fuzz -Dfuzzing=true \
	-Db_sanitize=address,undefined -Db_lundef=false
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in build-fuzz/tests/fuzz/fuzz_*; do
	[ -f "$target" ] && [ -x "$target" ] || continue
	name=${target##*/fuzz_}
	mkdir -p "$work/$name"
	if "$target" -max_total_time="$fuzz_seconds" -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$work/$name-" \
		"$work/$name" "tests/fuzz/corpus/$name" >"$work/$name.log" 2>&1; then
		echo "fuzz $name: ok ($(grep -Eo 'Done [0-9]+ runs' "$work/$name.log" | tail -n 1))"
		passed=$((passed + 1))
	else
		echo "fuzz $name: FAILED"
		tail -n 40 "$work/$name.log"
		failed=$((failed + 1))
	fi
done

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
