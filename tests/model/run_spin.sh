#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Model-checks the FF-A share life cycle (tests/model/share.pml) with SPIN.
#   tests/model/run_spin.sh [MODEL_DIR]
# For every configuration: generate the verifier in a temporary directory,
# compile it with cc, run an exhaustive search and read pan's report.
#   - The correct SPMC must give "errors: 0" over the whole state space
#     (no "max search depth too small", no memory bound reached), once with
#     the never claim "inv" (the invariants P2, P3, P6) and once without it
#     (assertions P1, P4, P5, P7, invalid end states and the final audit P8:
#     pan checks end states only when no claim is compiled in).
#   - Every deliberately broken SPMC (-DBUG_*) must give "errors: 1" with
#     the violation the bug is meant to cause.
# Ends with one line "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail

dir=${1:-$(dirname "$0")}
model=$(cd "$dir" && pwd)/share.pml
passed=0
failed=0

for tool in spin cc; do
	if ! command -v "$tool" >/dev/null; then
		echo "run_spin: '$tool' not found; run scripts/deps.sh" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# check NAME MODE EXPECT [SPIN_DEFINES...]: runs one configuration in
# $work/NAME, writes its report to $work/NAME/report and "ok" or "FAILED"
# to $work/NAME/verdict.
#   MODE   inv: with the never claim; end: -DNOCLAIM (assertions, end states)
#   EXPECT "ok" for errors: 0, else a fixed string the violation must show
check() {
	local name=$1 mode=$2 expect=$3 d=$work/$1 cflags opt rc=0 log
	local errors states depth secs first verdict
	shift 3
	log=$d/pan.log
	cflags=(-DSAFETY -DMEMLIM=1024)
	if [ "$mode" = end ]; then
		cflags+=(-DNOCLAIM)
	fi
	opt=-O0 # a counterexample comes quickly; compile fast
	if [ "$expect" = ok ]; then
		opt=-O2 # the whole state space: run fast
	fi
	if ! (cd "$d" && spin "$@" -a "$model") >"$d/spin.log" 2>&1 ||
		! (cd "$d" && cc "$opt" "${cflags[@]}" -o pan pan.c) >"$d/cc.log" 2>&1; then
		echo "spin $name: FAILED (could not build the verifier)"
		cat "$d/spin.log" "$d/cc.log" 2>/dev/null | head -n 20
		echo FAILED >"$d/verdict"
		return
	fi
	(cd "$d" && timeout 240 ./pan -m1000000) >"$log" 2>&1 || rc=$?
	rm -f "$d/pan" "$d"/pan.? "$d/pan.pre"
	errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
	states=$(awk '/states, stored$/ {print $1}' "$log" | tail -n 1)
	depth=$(sed -n 's/.*depth reached \([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
	secs=$(awk '/^pan: elapsed time/ {print $4}' "$log" | tail -n 1)
	first=$(grep -m 1 '^pan:1:' "$log" | cut -c 1-150)
	verdict=FAILED
	if [ "$expect" = ok ]; then
		if [ "$rc" -eq 0 ] && [ "${errors:-x}" = 0 ] &&
			! grep -qE 'max search depth too small|MEMLIM|out of memory' "$log"; then
			verdict=ok
		fi
	elif [ "${errors:-0}" -ge 1 ] &&
		grep -m 1 '^pan:1:' "$log" | grep -qF -- "$expect"; then
		verdict=ok
	fi
	printf 'spin %s: %s (errors %s, %s states, depth %s, %s s)\n' "$name" \
		"$verdict" "${errors:-?}" "${states:-?}" "${depth:-?}" "${secs:-?}"
	if [ -n "$first" ]; then
		echo "    $first"
	fi
	if [ "$verdict" != ok ]; then
		if [ "$expect" != ok ]; then
			echo "    expected a violation showing: $expect"
		fi
		grep -vE '^(Depth=|pan: resizing)' "$log" | head -n 30
	fi
	echo "$verdict" >"$d/verdict"
}

# Runs check in the background, at most $jobs at a time.
jobs=${SPIN_JOBS:-2}
names=()
start() {
	local name=$1
	names+=("$name")
	mkdir "$work/$name"
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n || true
	done
	check "$@" >"$work/$name/report" 2>&1 &
}

# The correct SPMC: 2 slots x 2 generations with the claim (every
# property; deadlocks through the audit), and 1 slot x 4 generations with
# and without it (pan's own invalid-end-state check).  SPIN_FULL=1 adds the
# big configuration without the claim and without VM2 (about 15 s more).
start correct inv ok
start slot1-gen4 inv ok -DNSLOT=1 -DNGEN=4
start slot1-gen4-noclaim end ok -DNSLOT=1 -DNGEN=4
if [ "${SPIN_FULL:-0}" = 1 ]; then
	start correct-noclaim end ok
	start no-vm2 inv ok -DWITH_VM2=0
fi

# Broken SPMCs: each must be caught, by the property it breaks.
start bug-reclaim-while-borrowed inv 'g_hold[q_h]==0' -DBUG_RECLAIM_WHILE_BORROWED
start bug-unprotect-before-scrub inv 'pg_dirty[0]' -DBUG_UNPROTECT_BEFORE_SCRUB
start bug-no-generation inv '!(g_retired[h]))||(st==' -DBUG_NO_GENERATION
start bug-no-owner-check inv 'vm2_st' -DBUG_NO_OWNER_CHECK
start bug-retrieve-before-complete inv 'g_complete[h])&& !(g_torn)' -DBUG_RETRIEVE_BEFORE_COMPLETE
start bug-teardown-frees-held inv 'pg_dirty[0]' -DBUG_TEARDOWN_FREES_HELD
start bug-teardown-leaks-pending inv 'slot[q_s].gen==' -DBUG_TEARDOWN_LEAKS_PENDING
start bug-lost-reply inv 'g_done==' -DBUG_LOST_REPLY
start bug-lost-reply-noclaim end 'pan:1: invalid end state' -DBUG_LOST_REPLY -DNO_AUDIT

wait
for name in "${names[@]}"; do
	cat "$work/$name/report"
	if [ "$(cat "$work/$name/verdict" 2>/dev/null)" = ok ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
