#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# BPF_PROG_RUN cost per packet and conntrack scale (bench/prog_run.c).
# bpf_fib_lookup() needs real routes and neighbours for first packets, so
# this builds the packet suite's WSL-like layout (tests/packet/run.sh) in a
# private network namespace, runs build/bench/prog_run inside it and removes
# the namespace on every exit path. Nothing is attached to any device.
#
# Usage, from the repo root after `make build/bench/prog_run`, as root:
#   bash bench/prog_run.sh [--json] [--quick] [--conns N] [--no-scale]
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${WSLFWD_PROG_RUN:-$root/build/bench/prog_run}
ns="wfbench$$"

die() {
	echo "prog_run.sh: $*" >&2
	exit 1
}

cleanup() {
	ip netns del "$ns" 2>/dev/null || true
}

[ "$(id -u)" = 0 ] || die "needs root (network namespace, BPF_PROG_RUN)"
[ -x "$bin" ] || die "$bin missing: run 'make build/bench/prog_run'"

trap cleanup EXIT
trap 'exit 130' INT TERM HUP
ip netns add "$ns" || die "cannot create network namespace $ns"

nx() { ip netns exec "$ns" "$@"; }

setup() {
	nx sysctl -qw net.ipv4.ip_forward=1 || return 1
	nx ip link set lo up || return 1
	nx ip link add eth0 address 00:15:5d:00:14:02 type veth \
		peer name sw0 || return 1
	nx ip link set sw0 up || return 1
	nx ip link set eth0 up || return 1
	nx ip addr add 172.29.20.2/20 dev eth0 || return 1
	nx ip route add default via 172.29.16.1 dev eth0 || return 1
	nx ip neigh replace 172.29.16.1 lladdr 00:15:5d:00:10:01 nud permanent \
		dev eth0 || return 1
	nx ip link add docker0 type bridge || return 1
	nx ip link add vethctr type veth peer name ctr0 || return 1
	nx ip link set vethctr master docker0 || return 1
	nx ip link set vethctr up || return 1
	nx ip link set ctr0 up || return 1
	nx ip link set docker0 up || return 1
	nx ip addr add 172.17.0.1/16 dev docker0 || return 1
	nx ip neigh replace 172.17.0.2 lladdr 02:42:ac:11:00:02 nud permanent \
		dev docker0 || return 1
	# a target behind a plain veth, which prog_run marks for XDP_REDIRECT
	nx ip link add vethb type veth peer name vethbp || return 1
	nx ip link set vethb up || return 1
	nx ip link set vethbp up || return 1
	nx ip addr add 172.18.0.1/24 dev vethb || return 1
	nx ip neigh replace 172.18.0.2 lladdr 02:42:ac:12:00:02 nud permanent \
		dev vethb || return 1
}

setup >&2 || die "setting up namespace $ns failed"
nx "$bin" "$@"
