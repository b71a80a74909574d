#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Packet-level suite. bpf_fib_lookup() needs real routes and neighbours, so
# build the WSL-like layout in a private network namespace and run
# build/tests/test_packet (BPF_PROG_RUN only, nothing attached) inside it
# (tests/packet/layout.sh).
#
# The namespace is removed on every exit path. Usage, from the repo root
# after `make build/tests/test_packet`: bash tests/packet/run.sh
# The fuzz run at the end (tests/packet/fuzz.h) sends WF_FUZZ packets
# (default 200000; 0 skips it) from seed WF_FUZZ_SEED (default: the time).
set -u

fuzz=${WF_FUZZ:-200000}
# The fixtures take seconds; the fuzz run ~100k packets/s here. The limit
# allows 50 times slower (WF_PACKET_TIMEOUT overrides it).
limit=${WF_PACKET_TIMEOUT:-$((120 + fuzz / 2000))}

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${WSLFWD_TEST_PACKET:-$root/build/tests/test_packet}
ns="wfpkt$$"
# shellcheck source=tests/packet/layout.sh
. "$root/tests/packet/layout.sh"

bail() {
	echo "Bail out! $*"
	exit 1
}

[ "$(id -u)" = 0 ] || bail "needs root (network namespace, BPF_PROG_RUN)"
[ -x "$bin" ] || bail "$bin missing: run 'make build/tests/test_packet'"
pkt_layout_run "$ns" bail env WF_FUZZ="$fuzz" WF_FUZZ_SEED="${WF_FUZZ_SEED:-}" \
	timeout "$limit" "$bin"
