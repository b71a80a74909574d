#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Runs every test suite and counts TAP lines across all of them:
#   build/tests/test_user      userspace unit suite (parsers, config)
#   build/tests/test_output    stats --prometheus format, libbpf log lines
#   build/tests/test_docs      --help, completion and man page agree with the option tables
#   tests/build/run.sh         packaging: make with a packager's flags, install, unit
#   tests/packet/run.sh        BPF_PROG_RUN packet suite
#   tests/e2e/run.sh           end-to-end cases on the WSL-like testbed
# Each suite's output is shown as it runs. A suite that exits non-zero
# without any `not ok` line counts as one failure of its own. The last line
# is exactly "N passed, N failed"; exit status 0 only if nothing failed.
# Needs root (BPF, namespaces). No terminal needed (CI=true works).

set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1

if [ "$(id -u)" != 0 ]; then
	echo "tests/run.sh: must run as root (loads BPF programs, creates network namespaces);" \
	     "run: sudo make test" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

PASSED=0
FAILED=0
FAILED_NAMES=()

# run_suite NAME CMD...: run, show, count.
run_suite()
{
	local name=$1 out rc p f
	shift
	out=$(mktemp)
	echo "=== $name: $*"
	if [ ! -e "$1" ] && [ "$1" != bash ]; then
		echo "$name: $1 not found (not built?)" | tee "$out"
		rc=127
	else
		# Line by line as it runs; stdin closed so nothing waits for a tty.
		"$@" < /dev/null 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
	fi
	p=$(grep -cE '^ok [0-9]+' "$out")
	f=$(grep -cE '^not ok [0-9]+' "$out")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
		FAILED_NAMES+=("$name (exit $rc with no failing test reported)")
	elif [ "$f" != 0 ]; then
		FAILED_NAMES+=("$name ($f)")
	fi
	echo "=== $name: $p passed, $f failed (exit $rc)"
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	rm -f "$out"
}

run_suite unit build/tests/test_user
run_suite unit-wsl build/tests/test_wsl
run_suite unit-output build/tests/test_output
run_suite unit-docs build/tests/test_docs "$ROOT"
run_suite build bash tests/build/run.sh
run_suite packet bash tests/packet/run.sh
run_suite e2e bash tests/e2e/run.sh

if [ "$FAILED" != 0 ]; then
	echo "failed: ${FAILED_NAMES[*]}"
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
