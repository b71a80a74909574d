#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# BPF_PROG_RUN cost per packet and conntrack scale (bench/prog_run.c).
# bpf_fib_lookup() needs real routes and neighbours for first packets, so
# this builds the packet suite's WSL-like layout (tests/packet/layout.sh) in a
# private network namespace, runs build/bench/prog_run inside it and removes
# the namespace on every exit path. Nothing is attached to any device.
#
# Usage, from the repo root after `make build/bench/prog_run`, as root:
#   bash bench/prog_run.sh [--json] [--quick] [--conns N] [--no-scale]
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${WSLFWD_PROG_RUN:-$root/build/bench/prog_run}
ns="wfbench$$"
# shellcheck source=tests/packet/layout.sh
. "$root/tests/packet/layout.sh"

die() {
	echo "prog_run.sh: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (network namespace, BPF_PROG_RUN)"
[ -x "$bin" ] || die "$bin missing: run 'make build/bench/prog_run'"
pkt_layout_run "$ns" die "$bin" "$@"
