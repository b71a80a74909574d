# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash disable=SC2034 # the addresses are for the sourcing scripts
#
# The WSL-like testbed (../shared/TESTBED.md), a library sourced by the e2e
# suite, the demo and the benchmark:
#
#   lan ns ── lan0 ── win ns ── vswitch (bridge, @host) ─┬─ vm ns: eth0 (@vm), docker0 ── ctr ns
#                                                        └─ peer ns (another VM on the switch)
#
# tb_up builds it, tb_down removes it (and is the EXIT trap, so it also runs
# on failure). Every namespace, pin dir, cgroup and temp dir carries a
# per-run prefix (TB_PREFIX, default wf<pid>), so two runs never collide.
# Interfaces are created directly inside the namespaces (veth ends are born
# in their namespace), so the root namespace never sees one; their names
# (eth0, vswitch, docker0) are the ones WSL and Docker use.
#
# Nothing here touches the root namespace's interfaces, routes or cgroup
# tree: wslfwd attaches in the vm ns, its socket hooks go to a cgroup made
# for the run, and every address used belongs to one of these namespaces.
#
# Dual stack: every link has an IPv4 subnet and an IPv6 ULA /64 next to it,
# each address at the same place in both (the names take a 6):
#
#   switch  172.22.16.0/20   fd00:22::/64   win vswitch .16.1 / ::1 (@host,
#                                           @host6), vm eth0 .21.94 / ::94
#                                           (@vm, @vm6), peer .16.9 / ::9
#   docker  172.17.0.0/16    fd00:17::/64   vm docker0 .0.1 / ::1, ctr .0.2 / ::2
#   LAN     192.168.77.0/24  fd00:77::/64   win lan0 .1 / ::1, lan .20 / ::20
#   routed  10.99.0.2/32     fd00:99::2/128 rtd eth0 (opt-in, below); the
#                                           VM's end veth0rtd is .1 / ::1
#
# Default routes are the same in both families: vm via @host, peer via
# @host, ctr via docker0, lan via win. win has no route to the docker
# networks in either family (Windows has none to Docker's bridge inside
# WSL). vm and win forward both families. IPv6 addresses are added nodad and
# DAD is off in every namespace (no address is tentative once tb_up
# returns), but ND, MLD and router solicitations are on the links as on
# any IPv6 link. tb_v6_gw_linklocal gives the VM an IPv6 default gateway
# that is link-local (fe80::1 on vswitch), as a router advertisement would;
# tb_v6_gw_global puts the global one back.

TB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TB_ROOT=$(cd "$TB_DIR/.." && pwd)
WSLFWD_BIN=${WSLFWD_BIN:-$TB_ROOT/wslfwd}

TB_PREFIX=${TB_PREFIX:-wf$$}
NS_LAN=$TB_PREFIX-lan
NS_WIN=$TB_PREFIX-win
NS_VM=$TB_PREFIX-vm
NS_CTR=$TB_PREFIX-ctr
NS_PEER=$TB_PREFIX-peer
NS_CTR2=$TB_PREFIX-ctr2		# a second container, made by the cases that need one
NS_RTD=$TB_PREFIX-rtd		# the routed backend (no bridge), when asked: TB_RTD=1 / tb_rtd_up

# The Hyper-V internal switch: a /20 out of 172.16.0.0/12 as WSL picks them.
SWITCH_NET=172.22.16.0/20
HOST_IP=172.22.16.1		# the vswitch bridge in win = @host, the VM's gateway
VM_IP=172.22.21.94		# eth0 in vm = @vm
PEER_IP=172.22.16.9		# another machine on the switch
SWITCH_PLEN=20
# Docker's default bridge inside the VM.
DOCKER_NET=172.17.0.0/16
DOCKER_GW=172.17.0.1
CTR_IP=172.17.0.2
# The LAN the Windows host sits on.
LAN_NET=192.168.77.0/24
WIN_LAN_IP=192.168.77.1
LAN_IP=192.168.77.20
# IPv6: one ULA /64 per link, the hosts numbered as in IPv4.
SWITCH_NET6=fd00:22::/64
HOST_IP6=fd00:22::1		# vswitch in win = @host6 (global gateway)
HOST_LL6=fe80::1		# vswitch's link-local gateway (tb_v6_gw_linklocal)
VM_IP6=fd00:22::94		# eth0 in vm = @vm6
PEER_IP6=fd00:22::9
PLEN6=64
DOCKER_NET6=fd00:17::/64
DOCKER_GW6=fd00:17::1
CTR_IP6=fd00:17::2
LAN_NET6=fd00:77::/64
WIN_LAN_IP6=fd00:77::1
LAN_IP6=fd00:77::20
# The routed backend: one address per family, each a host route on the
# VM's end of its veth (host routes both ways, as Podman's and Calico's
# routed modes give a workload: no shared subnet, no bridge).
RTD_GW=10.99.0.1		# veth0rtd in vm (the backend's gateway)
RTD_IP=10.99.0.2		# eth0 in rtd
RTD_GW6=fd00:99::1
RTD_IP6=fd00:99::2

VM_DEV=eth0
WIN_VM_PORT=vmport0		# win-side end of eth0's veth (a vswitch port)
WIN_PEER_PORT=peerport0		# win-side end of peer's veth
WIN_LAN_DEV=lan0		# win's LAN interface
LAN_DEV=lan0			# the LAN client's interface
PEER_DEV=eth0
CTR_DEV=eth0
VM_CTR_PORT=veth0ctr		# vm-side end of the container's veth (docker0 port)
VM_RTD_PORT=veth0rtd		# vm-side end of the routed backend's veth (no bridge)
RTD_DEV=eth0

TB_PIN_DIR=/sys/fs/bpf/$TB_PREFIX
TB_TMP=
TB_CONF=
TB_CGROUP=
TB_PIDS=()
TB_UP=0
TB_BPFFS_MOUNTED=0

tb_log() { echo "# $*"; }

# Run a command inside a namespace. `ip netns exec` also remounts /sys for
# the namespace, which would hide the real bpffs; that is fine for ordinary
# tools and servers, not for wslfwd (see tb_vm_exec).
in_ns()   { local ns=$1; shift; ip netns exec "$ns" "$@"; }
in_lan()  { ip netns exec "$NS_LAN" "$@"; }
in_win()  { ip netns exec "$NS_WIN" "$@"; }
in_vm()   { ip netns exec "$NS_VM" "$@"; }
in_ctr()  { ip netns exec "$NS_CTR" "$@"; }
in_peer() { ip netns exec "$NS_PEER" "$@"; }
in_rtd()  { ip netns exec "$NS_RTD" "$@"; }

# Run a command in the vm ns the way it runs inside WSL: the VM's network
# namespace, a /sys describing it (so /sys/class/net/eth0 is the VM's eth0),
# and the real bpffs and cgroup2 tree, so pins outlive the command. `ip netns
# exec` would give an empty /sys/fs/bpf in a throw-away mount namespace, and
# a bpffs mounted there dies with it, pins and links included.
TB_VM_MOUNTS='m=$1; shift
	mount --rbind /sys/fs "$m" &&
	mount -t sysfs sysfs /sys &&
	mount --rbind "$m/bpf" /sys/fs/bpf &&
	mount --rbind "$m/cgroup" /sys/fs/cgroup &&
	umount -l "$m" || exit 126
	exec "$@"'
tb_vm_exec()
{
	nsenter --net="/run/netns/$NS_VM" unshare --mount --propagation slave \
		bash -c "$TB_VM_MOUNTS" tb_vm_exec "$TB_TMP/sysfs" "$@"
}

# The same in the background; every step execs, so TB_VM_PID (and $!) is
# the command itself and signals sent to it reach it.
tb_vm_exec_bg()
{
	nsenter --net="/run/netns/$NS_VM" unshare --mount --propagation slave \
		bash -c "$TB_VM_MOUNTS" tb_vm_exec "$TB_TMP/sysfs" "$@" &
	TB_VM_PID=$!
	TB_PIDS+=("$TB_VM_PID")
}

# ./wslfwd inside the VM with this run's pin dir, config and cgroup. Global
# options go first; the `load` subcommand always gets --cgroup (this run's
# cgroup, or none when there is no cgroup v2), so socket-level hooks never
# land on the root cgroup, whatever else happens during the run.
wslfwd()
{
	local args=("$@") i cmd_at=-1
	for i in "${!args[@]}"; do
		case ${args[$i]} in
		-*) ;;
		*) cmd_at=$i; break ;;
		esac
	done
	if [ "$cmd_at" -ge 0 ] && [ "${args[$cmd_at]}" = load ] &&
	   [[ " ${args[*]} " != *" --cgroup "* && " ${args[*]}" != *" --cgroup="* ]]; then
		args=("${args[@]:0:$((cmd_at + 1))}" --cgroup "${TB_CGROUP:-none}" \
		      "${args[@]:$((cmd_at + 1))}")
	fi
	# A hung command must not hang the suite: 124 and a message after a while.
	tb_vm_exec timeout -k 5 "${WSLFWD_TIMEOUT:-30}" \
		"$WSLFWD_BIN" --pin-dir "$TB_PIN_DIR" --config "$TB_CONF" "${args[@]}"
	local rc=$?
	[ "$rc" = 124 ] && echo "testbed: 'wslfwd ${args[*]}' timed out after ${WSLFWD_TIMEOUT:-30}s" >&2
	return "$rc"
}

# Start a background process and remember its pid for tb_down. The command
# must exec (ip netns exec does), so $! is the server itself.
tb_bg()
{
	"$@" &
	TB_PIDS+=($!)
}

# Run a command in the vm ns as a process of this run's cgroup, where `load`
# attached the socket hooks. It joins the cgroup before entering the ns:
# `ip netns exec` remounts /sys, and the cgroup tree with it.
in_vm_cg()
{
	[ -n "$TB_CGROUP" ] || { echo "testbed: no cgroup v2 for this run" >&2; return 1; }
	bash -c 'echo $$ > "$1/cgroup.procs" && shift && exec ip netns exec "$@"' in_vm_cg \
		"$TB_CGROUP" "$NS_VM" "$@"
}

# nginx answering every request with "peer=<client address>" and logging the
# client address, in namespace NS on PORT of both families (on ADDR only,
# when given: an IPv4 address or an IPv6 one without brackets). nginx does
# no reverse DNS.
tb_http_server()
{
	local ns=$1 port=$2 name=${3:-$1-$2} addr=${4:-}
	tb_nginx "$ns" "$port" "$name" "$(tb_nginx_listen "$port" "$addr")
		location / { default_type text/plain; return 200 \"peer=\$remote_addr\\n\"; }"
}

# The listen lines of a server on PORT: ADDR only, or 0.0.0.0 and [::]
# (ipv6only, so each family has a socket of its own, as a dual-stack
# service usually binds).
tb_nginx_listen()
{
	local port=$1 addr=${2:-}
	case $addr in
	"") echo "listen $port reuseport; listen [::]:$port ipv6only=on reuseport;" ;;
	*:*) echo "listen [$addr]:$port reuseport;" ;;
	*) echo "listen $addr:$port reuseport;" ;;
	esac
}

# nginx in namespace NS, named NAME (its files under $TB_TMP/nginx-NAME),
# with SERVER as the body of its one server block; waits for PORT.
tb_nginx()
{
	local ns=$1 port=$2 name=$3 server=$4
	local d=$TB_TMP/nginx-$name
	mkdir -p "$d"
	cat > "$d/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 256; }
http {
	access_log $d/access.log;
	client_body_temp_path $d;
	proxy_temp_path $d;
	fastcgi_temp_path $d;
	uwsgi_temp_path $d;
	scgi_temp_path $d;
	server {
		$server
	}
}
EOF
	tb_bg ip netns exec "$ns" nginx -q -e "$d/error.log" -c "$d/nginx.conf"
	tb_wait_listen "$ns" tcp "$port"
}

# socat UDP echo servers in NS on PORT, one per family (ipv6only: the
# IPv6 one does not take IPv4 as mapped addresses).
tb_udp_echo()
{
	local ns=$1 port=$2
	tb_bg ip netns exec "$ns" socat -T 10 UDP4-LISTEN:"$port",fork,reuseaddr PIPE
	tb_bg ip netns exec "$ns" socat -T 10 UDP6-LISTEN:"$port",fork,reuseaddr,ipv6only=1 PIPE
	tb_wait_listen "$ns" udp "$port" -4 && tb_wait_listen "$ns" udp "$port" -6
}

# iperf3 server in NS on PORT; it binds [::] without IPV6_V6ONLY, so it
# takes both families.
tb_iperf_server()
{
	local ns=$1 port=$2
	tb_bg ip netns exec "$ns" iperf3 -s -p "$port" --logfile "$TB_TMP/iperf3-$ns-$port.log"
	tb_wait_listen "$ns" tcp "$port"
}

# Wait until NS listens on PROTO PORT (in FAMILY, -4 or -6, when given).
tb_wait_listen()
{
	local ns=$1 proto=$2 port=$3 fam=${4:-} i flag=-tln
	[ "$proto" = udp ] && flag=-uln
	for i in $(seq 50); do
		ip netns exec "$ns" ss -H ${fam:+"$fam"} "$flag" "sport = :$port" 2>/dev/null | grep -q . &&
			return 0
		sleep 0.1
	done
	tb_log "server $proto/$port${fam:+ ($fam)} in $ns did not start"
	return 1
}

# HTTP GET from a namespace; prints the body ("peer=ADDR"). -g: an IPv6
# URL's brackets are the address, not a curl glob.
tb_curl()
{
	local ns=$1 url=$2
	ip netns exec "$ns" curl -gsS --noproxy '*' --connect-timeout 3 --max-time 5 "$url"
}

# The client address the nginx named NAME logged last.
tb_http_last_peer()
{
	local log=$TB_TMP/nginx-$1/access.log before=${2:-0} i
	# nginx logs a request after sending its response: the client can
	# have it before the line is written. Up to 2 s for the log to grow
	# past BEFORE lines (tb_http_log_lines before the request).
	for i in $(seq 20); do
		[ "$(tb_http_log_lines "$1")" -gt "$before" ] && break
		sleep 0.1
	done
	tail -n 1 "$log" 2>/dev/null | cut -d' ' -f1
}

# Lines in the access log of the nginx named NAME.
tb_http_log_lines()
{
	local n
	n=$(wc -l < "$TB_TMP/nginx-$1/access.log" 2>/dev/null) || n=0
	echo "${n:-0}"
}

# Stand-in for `netsh interface portproxy` on Windows: listen on win's LAN
# address and relay to the VM (a userspace proxy, as portproxy is).
tb_portproxy()
{
	local lport=$1 caddr=$2 cport=$3
	tb_bg ip netns exec "$NS_WIN" socat TCP4-LISTEN:"$lport",bind="$WIN_LAN_IP",fork,reuseaddr \
		TCP4:"$caddr":"$cport"
	tb_wait_listen "$NS_WIN" tcp "$lport"
}

# veth pair with each end born in its namespace.
tb_veth()
{
	local ns1=$1 dev1=$2 ns2=$3 dev2=$4
	ip -n "$ns1" link add "$dev1" type veth peer name "$dev2" netns "$ns2"
}

tb_up()
{
	local ns
	[ "$(id -u)" = 0 ] || { echo "testbed: must run as root" >&2; return 1; }
	TB_TMP=$(mktemp -d "/tmp/$TB_PREFIX.XXXXXX")
	TB_CONF=$TB_TMP/wslfwd.conf
	mkdir -p "$TB_TMP/sysfs"
	TB_UP=1
	trap tb_down EXIT
	trap 'exit 130' INT TERM
	tb_bpffs || return 1

	for ns in "$NS_LAN" "$NS_WIN" "$NS_VM" "$NS_CTR" "$NS_PEER"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up
		# No DAD, for the link-local addresses too: setup does not wait
		# a second per link, and no address is tentative when a case
		# starts.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 || return 1
	done

	# win: the Windows host. The vswitch bridge is the Hyper-V internal
	# switch; its address is the VM's gateway (@host).
	ip -n "$NS_WIN" link add vswitch type bridge forward_delay 0 stp_state 0
	ip -n "$NS_WIN" addr add "$HOST_IP/$SWITCH_PLEN" dev vswitch
	ip -n "$NS_WIN" addr add "$HOST_IP6/$PLEN6" dev vswitch nodad
	ip -n "$NS_WIN" link set vswitch up

	# vm: eth0 on the switch, default route via @host.
	tb_vm_eth0 || return 1

	# peer: another VM on the same switch (a one-arm target on the link,
	# and a client that is neither the VM nor the host).
	tb_veth "$NS_WIN" "$WIN_PEER_PORT" "$NS_PEER" "$PEER_DEV"
	ip -n "$NS_WIN" link set "$WIN_PEER_PORT" master vswitch up
	ip -n "$NS_PEER" addr add "$PEER_IP/$SWITCH_PLEN" dev "$PEER_DEV"
	ip -n "$NS_PEER" addr add "$PEER_IP6/$PLEN6" dev "$PEER_DEV" nodad
	ip -n "$NS_PEER" link set "$PEER_DEV" up
	ip -n "$NS_PEER" route add default via "$HOST_IP" dev "$PEER_DEV"
	ip -n "$NS_PEER" -6 route add default via "$HOST_IP6" dev "$PEER_DEV" || return 1

	# vm: docker0 with one container.
	ip -n "$NS_VM" link add docker0 type bridge forward_delay 0 stp_state 0
	ip -n "$NS_VM" addr add "$DOCKER_GW/16" dev docker0
	ip -n "$NS_VM" addr add "$DOCKER_GW6/$PLEN6" dev docker0 nodad
	ip -n "$NS_VM" link set docker0 up
	tb_veth "$NS_VM" "$VM_CTR_PORT" "$NS_CTR" "$CTR_DEV"
	ip -n "$NS_VM" link set "$VM_CTR_PORT" master docker0 up
	ip -n "$NS_CTR" addr add "$CTR_IP/16" dev "$CTR_DEV"
	ip -n "$NS_CTR" addr add "$CTR_IP6/$PLEN6" dev "$CTR_DEV" nodad
	ip -n "$NS_CTR" link set "$CTR_DEV" up
	ip -n "$NS_CTR" route add default via "$DOCKER_GW"
	ip -n "$NS_CTR" -6 route add default via "$DOCKER_GW6" dev "$CTR_DEV" || return 1

	# lan: a client on the Windows host's LAN.
	tb_veth "$NS_LAN" "$LAN_DEV" "$NS_WIN" "$WIN_LAN_DEV"
	ip -n "$NS_LAN" addr add "$LAN_IP/24" dev "$LAN_DEV"
	ip -n "$NS_LAN" addr add "$LAN_IP6/$PLEN6" dev "$LAN_DEV" nodad
	ip -n "$NS_LAN" link set "$LAN_DEV" up
	ip -n "$NS_LAN" route add default via "$WIN_LAN_IP"
	ip -n "$NS_LAN" -6 route add default via "$WIN_LAN_IP6" dev "$LAN_DEV" || return 1
	ip -n "$NS_WIN" addr add "$WIN_LAN_IP/24" dev "$WIN_LAN_DEV"
	ip -n "$NS_WIN" addr add "$WIN_LAN_IP6/$PLEN6" dev "$WIN_LAN_DEV" nodad
	ip -n "$NS_WIN" link set "$WIN_LAN_DEV" up

	in_vm sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	in_win sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

	# Offloads (TESTBED.md): frames the VM receives from the switch carry
	# full checksums, as from a wire, so tx checksum offload is off on
	# every switch-side sender into the VM; it stays on inside vm and ctr.
	# The e2e case offloaded_checksums_correct_on_every_path (csum.sh)
	# turns it on at the clients, as Windows through Hyper-V behaves.
	in_win ethtool -K vswitch tx off >/dev/null 2>&1
	tb_vm_port_offloads || return 1
	in_win ethtool -K "$WIN_PEER_PORT" tx off >/dev/null
	in_peer ethtool -K "$PEER_DEV" tx off gro on >/dev/null
	in_lan ethtool -K "$LAN_DEV" tx off >/dev/null
	in_win ethtool -K "$WIN_LAN_DEV" tx off >/dev/null

	# A cgroup v2 for this run's socket-level hooks (never the root one).
	local cg2
	cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [ -n "$cg2" ]; then
		TB_CGROUP=$cg2/$TB_PREFIX
		mkdir -p "$TB_CGROUP"
	fi

	tb_v6_settled || return 1
	# ARP and ND for the switch neighbours, so the first test packet is
	# not the one that resolves it.
	tb_wait_ping "$NS_WIN" "$VM_IP" || return 1
	tb_wait_ping "$NS_PEER" "$VM_IP" || return 1
	tb_wait_ping "$NS_VM" "$CTR_IP" || return 1
	tb_wait_ping "$NS_LAN" "$WIN_LAN_IP" || return 1
	tb_wait_ping "$NS_WIN" "$VM_IP6" || return 1
	tb_wait_ping "$NS_PEER" "$VM_IP6" || return 1
	tb_wait_ping "$NS_VM" "$CTR_IP6" || return 1
	tb_wait_ping "$NS_LAN" "$WIN_LAN_IP6" || return 1
	if [ "${TB_RTD:-0}" = 1 ]; then
		tb_rtd_up || return 1
	fi
	return 0
}

# The routed backend (TB_RTD=1 at tb_up, or tb_rtd_up later; idempotent):
#
#   vm ns: veth0rtd 10.99.0.1/32, fd00:99::1/128 ── rtd ns: eth0 10.99.0.2/32,
#          routes 10.99.0.2/32, fd00:99::2/128          fd00:99::2/128, routes
#                                                   to .1/::1, default via them
#
# the way Podman (netavark routed), LXD (routed NIC) and Kubernetes CNIs
# (Calico, Cilium) attach a workload: a plain veth, no bridge, a /32 and a
# /128 route on the VM's end, nothing proxied (no proxy ARP/NDP: each end
# has the other as its on-link peer). win has no route to it (as to
# docker0). As a container: tx checksum offload on, GRO off on the
# backend's eth0 (a veth's default, so the VM's veth0rtd takes no XDP
# frames until a case turns it on). Costs ~0.1 s (a namespace, a veth, two
# pings); tb_down removes it with the others.
tb_rtd_up()
{
	[ -e "/run/netns/$NS_RTD" ] && return 0
	ip netns add "$NS_RTD" || return 1
	ip -n "$NS_RTD" link set lo up
	ip netns exec "$NS_RTD" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 || return 1
	tb_veth "$NS_VM" "$VM_RTD_PORT" "$NS_RTD" "$RTD_DEV" || return 1
	# Links up first: IPv6 drops the routes of a device that is down.
	ip -n "$NS_VM" link set "$VM_RTD_PORT" up
	ip -n "$NS_RTD" link set "$RTD_DEV" up
	ip -n "$NS_VM" addr add "$RTD_GW/32" dev "$VM_RTD_PORT" || return 1
	ip -n "$NS_VM" addr add "$RTD_GW6/128" dev "$VM_RTD_PORT" nodad || return 1
	ip -n "$NS_VM" route add "$RTD_IP/32" dev "$VM_RTD_PORT" || return 1
	ip -n "$NS_VM" -6 route add "$RTD_IP6/128" dev "$VM_RTD_PORT" || return 1
	ip -n "$NS_RTD" addr add "$RTD_IP/32" dev "$RTD_DEV" || return 1
	ip -n "$NS_RTD" addr add "$RTD_IP6/128" dev "$RTD_DEV" nodad || return 1
	ip -n "$NS_RTD" route add "$RTD_GW/32" dev "$RTD_DEV" || return 1
	ip -n "$NS_RTD" -6 route add "$RTD_GW6/128" dev "$RTD_DEV" || return 1
	ip -n "$NS_RTD" route add default via "$RTD_GW" dev "$RTD_DEV" || return 1
	ip -n "$NS_RTD" -6 route add default via "$RTD_GW6" dev "$RTD_DEV" || return 1
	tb_wait_ping "$NS_VM" "$RTD_IP" && tb_wait_ping "$NS_VM" "$RTD_IP6"
}

# The VM's eth0: a veth into the switch, @vm and @vm6 on it, default routes
# via @host and @host6.
tb_vm_eth0()
{
	tb_veth "$NS_WIN" "$WIN_VM_PORT" "$NS_VM" "$VM_DEV" || return 1
	ip -n "$NS_WIN" link set "$WIN_VM_PORT" master vswitch up
	ip -n "$NS_VM" addr add "$VM_IP/$SWITCH_PLEN" dev "$VM_DEV"
	ip -n "$NS_VM" addr add "$VM_IP6/$PLEN6" dev "$VM_DEV" nodad
	ip -n "$NS_VM" link set "$VM_DEV" up
	ip -n "$NS_VM" route add default via "$HOST_IP" dev "$VM_DEV"
	ip -n "$NS_VM" -6 route add default via "$HOST_IP6" dev "$VM_DEV"
}

# Wait until no IPv6 address of the testbed is tentative (DAD is off, so
# this is at once; it guards the assumption, a tentative source address
# would make the first connection of a case fail).
tb_v6_settled()
{
	local ns i left
	for i in $(seq 50); do
		left=
		for ns in "$NS_LAN" "$NS_WIN" "$NS_VM" "$NS_CTR" "$NS_PEER"; do
			[ -n "$(ip -n "$ns" -6 addr show tentative)" ] && left+=" ${ns#"$TB_PREFIX-"}"
		done
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	tb_log "IPv6 addresses still tentative in:$left"
	return 1
}

# tb_v6_gw_linklocal: the VM's IPv6 default gateway becomes link-local
# (fe80::1 on vswitch), as when it comes from a router advertisement, the
# usual case; @host6 is then fe80::1 on eth0. tb_v6_gw_global undoes it.
# Either is followed by a `load` (or `watch`) for wslfwd to see it.
tb_v6_gw_linklocal()
{
	ip -n "$NS_WIN" -6 addr replace "$HOST_LL6/64" dev vswitch nodad || return 1
	ip -n "$NS_VM" -6 route replace default via "$HOST_LL6" dev "$VM_DEV" || return 1
	tb_wait_ping "$NS_VM" "$HOST_LL6%$VM_DEV"
}

tb_v6_gw_global()
{
	ip -n "$NS_VM" -6 route replace default via "$HOST_IP6" dev "$VM_DEV" || return 1
	ip -n "$NS_WIN" -6 addr del "$HOST_LL6/64" dev vswitch 2>/dev/null
	return 0
}

# The switch port of eth0 stands for a wire (TESTBED.md).
tb_vm_port_offloads()
{
	in_win ethtool -K "$WIN_VM_PORT" tx off gro on >/dev/null
	# Measured on 6.18: frames sent with native XDP_TX out of eth0 (a
	# veth) are lost silently unless its peer runs an XDP program; GRO on
	# the peer is enough for XDP_REDIRECT, not for XDP_TX. The default is
	# the plain port users have (no program): `load --mode auto` must find
	# a path that delivers there. TB_PEER_XDP=1 gives the port an XDP_PASS
	# program, so that native XDP_TX can be exercised too.
	if [ "${TB_PEER_XDP:-0}" = 1 ]; then
		tb_peer_xdp on || return 1
	fi
}

# tb_peer_xdp on|off: the XDP_PASS program on eth0's switch-side peer.
tb_peer_xdp()
{
	if [ "$1" = on ]; then
		tb_xdp_pass_obj && in_win ip -force link set dev "$WIN_VM_PORT" xdpdrv \
			obj "$TB_TMP/xdp_pass.o" sec xdp
	else
		in_win ip link set dev "$WIN_VM_PORT" xdpdrv off
	fi
}

# The VM's eth0 goes away and comes back with the same name (a new ifindex),
# as when the VM's network is re-created: what was attached to it is gone.
tb_vm_eth0_recreate()
{
	ip -n "$NS_VM" link del "$VM_DEV" || return 1	# takes the switch port with it
	tb_vm_eth0 && tb_vm_port_offloads
}

# One ICMP echo from NS to ADDR, answered within a second.
tb_ping()
{
	ip netns exec "$1" ping -c1 -W1 -q "$2" >/dev/null 2>&1
}

# An XDP program that passes everything, for the switch side of eth0.
tb_xdp_pass_obj()
{
	[ -e "$TB_TMP/xdp_pass.o" ] && return 0
	printf '%s\n' \
		'/* testbed: give a veth NAPI so XDP_TX from its peer is delivered */' \
		'__attribute__((section("xdp"), used)) int tb_xdp_pass(void *ctx) { return 2; }' \
		'__attribute__((section("license"), used)) char _license[] = "GPL";' \
		> "$TB_TMP/xdp_pass.c"
	# CLANG may carry arguments ("clang-16 -fno-color-diagnostics"), as in make.
	local clang
	read -ra clang <<< "${CLANG:-clang}"
	"${clang[@]}" -O2 -target bpf -c "$TB_TMP/xdp_pass.c" -o "$TB_TMP/xdp_pass.o" ||
		{ tb_log "cannot build the testbed's XDP_PASS program (clang)"; return 1; }
}

tb_wait_ping()
{
	local ns=$1 addr=$2 i
	for i in $(seq 30); do
		tb_ping "$ns" "$addr" && return 0
		sleep 0.1
	done
	tb_log "$ns cannot ping $addr"
	return 1
}

# The offload state the results depend on (TESTBED.md), one device a line,
# for benchmarks and diagnostics to record.
tb_offloads()
{
	local ns dev f devs=("$NS_VM $VM_DEV" "$NS_WIN $WIN_VM_PORT" "$NS_VM $VM_CTR_PORT" "$NS_CTR $CTR_DEV")
	[ -e "/run/netns/$NS_RTD" ] && devs+=("$NS_VM $VM_RTD_PORT" "$NS_RTD $RTD_DEV")
	for f in "${devs[@]}"; do
		read -r ns dev <<< "$f"
		echo "${ns#"$TB_PREFIX-"}/$dev: $(ip netns exec "$ns" ethtool -k "$dev" 2>/dev/null |
			awk -F': ' '/^(tx-checksumming|generic-segmentation-offload|generic-receive-offload|tcp-segmentation-offload):/ {
				printf "%s=%s ", $1, $2 }')xdp=$(ip -n "$ns" link show dev "$dev" |
			grep -oE 'xdp[a-z]*' | head -1)"
	done
}

# A fresh machine has no bpffs mounted (WSL without systemd, a new CI box).
# wslfwd mounts one itself when run in the machine's mount namespace (an e2e
# case checks that), but the testbed runs it in a private namespace per
# command (tb_vm_exec), where it would rightly refuse: mount one here, in
# the run's own namespace, where it outlives every command, and unmount it
# at the end if the run mounted it and nothing else pinned anything there.
tb_bpffs()
{
	[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] && return 0
	mount -t bpf bpf /sys/fs/bpf ||
		{ echo "testbed: cannot mount a bpffs at /sys/fs/bpf" >&2; return 1; }
	TB_BPFFS_MOUNTED=1
}

# Does the kernel still hold pins for this run?
tb_pinned() { [ -e "$TB_PIN_DIR" ] && [ -n "$(ls -A "$TB_PIN_DIR" 2>/dev/null)" ]; }

tb_down()
{
	local pid ns
	[ "$TB_UP" = 1 ] || return 0
	TB_UP=0
	if [ -d "$TB_PIN_DIR" ] && [ -x "$WSLFWD_BIN" ]; then
		wslfwd unload >/dev/null 2>&1
	fi
	for pid in "${TB_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${TB_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	TB_PIDS=()
	for ns in "$NS_LAN" "$NS_WIN" "$NS_VM" "$NS_CTR" "$NS_PEER" "$NS_CTR2" "$NS_RTD"; do
		# Anything still running in a namespace is ours (servers, clients).
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	# Pins: links unpinned detach with the namespace gone anyway; rm -rf
	# removes whatever an unload left.
	[ -n "$TB_PIN_DIR" ] && [ -e "$TB_PIN_DIR" ] && rm -rf "$TB_PIN_DIR"
	[ -n "$TB_CGROUP" ] && [ -d "$TB_CGROUP" ] && rmdir "$TB_CGROUP" 2>/dev/null
	if [ "$TB_BPFFS_MOUNTED" = 1 ] && [ -z "$(ls -A /sys/fs/bpf 2>/dev/null)" ]; then
		umount /sys/fs/bpf && TB_BPFFS_MOUNTED=0
	fi
	[ -n "$TB_TMP" ] && [ -d "$TB_TMP" ] && rm -rf "$TB_TMP"
	return 0
}
