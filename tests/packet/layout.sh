# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# The WSL-like routing table BPF_PROG_RUN needs (bpf_fib_lookup() asks the
# namespace's routes and neighbours), built in namespace $1. Sourced by
# tests/packet/run.sh and bench/prog_run.sh, whose programs hard-code it:
#
#   eth0    172.29.20.2/20 (@vm), veth to sw0; default via 172.29.16.1 (@host)
#           permanent neighbours 172.29.16.1, 172.29.16.5; none for .16.7
#   vethr   10.50.0.1/24, a routed veth; permanent neighbour 10.50.0.2
#   docker0 bridge 172.17.0.1/16, one veth port; permanent neighbour 172.17.0.2
#   unreachable 10.99.0.0/16
# and its IPv6 twin (addresses without DAD, forwarding on):
#   eth0    fd00:29::2/64 (@vm6); default via fd00:29::1 (@host6)
#           permanent neighbours fd00:29::1, fd00:29::5; none for ::7
#   vethr   fd00:50::1/64; permanent neighbour fd00:50::2
#   docker0 fd00:17::1/64; permanent neighbour fd00:17::2
#   unreachable fd00:99::/32
pkt_layout()
{
	local ns=$1
	pl() { ip netns exec "$ns" "$@"; }

	pl sysctl -qw net.ipv4.ip_forward=1 || return 1
	pl sysctl -qw net.ipv6.conf.all.disable_ipv6=0 || return 1
	pl sysctl -qw net.ipv6.conf.default.disable_ipv6=0 || return 1
	pl sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
	pl ip link set lo up || return 1
	pl ip link add eth0 address 00:15:5d:00:14:02 type veth \
		peer name sw0 || return 1
	pl ip link set sw0 up || return 1
	pl ip link set eth0 up || return 1
	pl ip addr add 172.29.20.2/20 dev eth0 || return 1
	pl ip route add default via 172.29.16.1 dev eth0 || return 1
	pl ip neigh replace 172.29.16.1 lladdr 00:15:5d:00:10:01 nud permanent \
		dev eth0 || return 1
	pl ip neigh replace 172.29.16.5 lladdr 00:15:5d:00:10:05 nud permanent \
		dev eth0 || return 1
	pl ip -6 addr add fd00:29::2/64 dev eth0 nodad || return 1
	pl ip -6 route add default via fd00:29::1 dev eth0 || return 1
	pl ip -6 neigh replace fd00:29::1 lladdr 00:15:5d:00:10:01 nud permanent \
		dev eth0 || return 1
	pl ip -6 neigh replace fd00:29::5 lladdr 00:15:5d:00:10:05 nud permanent \
		dev eth0 || return 1
	# A routed veth the datapath may redirect to (wf_redirect).
	pl ip link add vethr address 02:00:00:00:50:01 type veth peer name vethrp || return 1
	pl ip link set vethr up || return 1
	pl ip link set vethrp up || return 1
	pl ip addr add 10.50.0.1/24 dev vethr || return 1
	pl ip neigh replace 10.50.0.2 lladdr 02:00:00:00:50:02 nud permanent \
		dev vethr || return 1
	pl ip -6 addr add fd00:50::1/64 dev vethr nodad || return 1
	pl ip -6 neigh replace fd00:50::2 lladdr 02:00:00:00:50:02 nud permanent \
		dev vethr || return 1
	pl ip link add docker0 type bridge || return 1
	pl ip link add vethctr type veth peer name ctr0 || return 1
	pl ip link set vethctr master docker0 || return 1
	pl ip link set vethctr up || return 1
	pl ip link set ctr0 up || return 1
	pl ip link set docker0 up || return 1
	pl ip addr add 172.17.0.1/16 dev docker0 || return 1
	pl ip neigh replace 172.17.0.2 lladdr 02:42:ac:11:00:02 nud permanent \
		dev docker0 || return 1
	pl ip -6 addr add fd00:17::1/64 dev docker0 nodad || return 1
	pl ip -6 neigh replace fd00:17::2 lladdr 02:42:ac:11:00:02 nud permanent \
		dev docker0 || return 1
	pl ip route add unreachable 10.99.0.0/16 || return 1
	pl ip -6 route add unreachable fd00:99::/32 || return 1
}

# Make namespace $1, build the layout in it and run the rest of the
# arguments there; the namespace is removed on every exit path (this sets
# the caller's EXIT trap). $2 is the caller's "say why and exit" function.
# stdout is the program's alone (TAP, JSON): the layout's says go to stderr.
pkt_layout_run()
{
	local ns=$1 fail=$2
	shift 2

	# shellcheck disable=SC2064 # $ns is fixed now
	trap "ip netns del '$ns' 2>/dev/null || true" EXIT
	trap 'exit 130' INT TERM HUP
	ip netns add "$ns" || "$fail" "cannot create network namespace $ns"
	pkt_layout "$ns" >&2 || "$fail" "setting up namespace $ns failed"
	ip netns exec "$ns" "$@"
}
