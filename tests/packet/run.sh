#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Packet-level suite. bpf_fib_lookup() needs real routes and neighbours, so
# build the WSL-like layout in a private network namespace and run
# build/tests/test_packet (BPF_PROG_RUN only, nothing attached) inside it:
#
#   eth0    172.29.20.2/20 (@vm), veth to sw0; default via 172.29.16.1 (@host)
#           permanent neighbours 172.29.16.1, 172.29.16.5; none for .16.7
#   docker0 bridge 172.17.0.1/16, one veth port; permanent neighbour 172.17.0.2
#   unreachable 10.99.0.0/16
#
# The namespace is removed on every exit path. Usage, from the repo root
# after `make build/tests/test_packet`: bash tests/packet/run.sh
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${WSLFWD_TEST_PACKET:-$root/build/tests/test_packet}
ns="wfpkt$$"

bail() {
	echo "Bail out! $*"
	exit 1
}

cleanup() {
	ip netns del "$ns" 2>/dev/null || true
}

[ "$(id -u)" = 0 ] || bail "needs root (network namespace, BPF_PROG_RUN)"
[ -x "$bin" ] || bail "$bin missing: run 'make build/tests/test_packet'"

trap cleanup EXIT
trap 'exit 130' INT TERM HUP
ip netns add "$ns" || bail "cannot create network namespace $ns"

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
	nx ip neigh replace 172.29.16.5 lladdr 00:15:5d:00:10:05 nud permanent \
		dev eth0 || return 1
	# A routed veth the datapath may redirect to (wf_redirect).
	nx ip link add vethr address 02:00:00:00:50:01 type veth peer name vethrp || return 1
	nx ip link set vethr up || return 1
	nx ip link set vethrp up || return 1
	nx ip addr add 10.50.0.1/24 dev vethr || return 1
	nx ip neigh replace 10.50.0.2 lladdr 02:00:00:00:50:02 nud permanent \
		dev vethr || return 1
	nx ip link add docker0 type bridge || return 1
	nx ip link add vethctr type veth peer name ctr0 || return 1
	nx ip link set vethctr master docker0 || return 1
	nx ip link set vethctr up || return 1
	nx ip link set ctr0 up || return 1
	nx ip link set docker0 up || return 1
	nx ip addr add 172.17.0.1/16 dev docker0 || return 1
	nx ip neigh replace 172.17.0.2 lladdr 02:42:ac:11:00:02 nud permanent \
		dev docker0 || return 1
	nx ip route add unreachable 10.99.0.0/16 || return 1
}

setup || bail "setting up namespace $ns failed"
nx timeout 120 "$bin"
