# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# IPv6 to IPv6 mappings (issue 13, slices 1 and 2; docs/design.md "IPv6"):
# a listener on @vm6 or one of eth0's IPv6 addresses forwarded to a port on
# the VM, behind it, or back out of eth0, with real clients and servers on
# the testbed's IPv6 addresses (tests/testbed.sh). The servers of run.sh
# listen on both families and answer "peer=<client address>".

PY=${PY:-/usr/bin/python3}	# as conntrack.sh: the system's, not a user's

# The Windows-side service of the one-arm cases: on every IPv6 address of
# win (fd00:22::1 and, once tb_v6_gw_linklocal ran, fe80::1), answering
# with the client's address and port, to see the SNAT port.
ipv6_servers()
{
	tb_nginx "$NS_WIN" 18082 win18082 "listen [::]:18082 ipv6only=on reuseport;
		location / { default_type text/plain;
			return 200 \"peer=\$remote_addr port=\$remote_port\\n\"; }" &&
	# [::1]-only servers: 8091 gets a mapping, 8092 never does; 8093 is
	# a dual-stack socket on [::] (ipv6only off), as many servers bind.
	tb_http_server "$NS_VM" 8091 lo6-8091 ::1 &&
	tb_http_server "$NS_VM" 8092 lo6-8092 ::1 &&
	tb_nginx "$NS_VM" 8093 ds8093 "listen [::]:8093 ipv6only=off reuseport;
		location / { default_type text/plain; return 200 \"peer=\$remote_addr\\n\"; }" &&
	# UDP echoes in the cgroup (their replies need sendmsg6): on [::1]
	# only, and dual-stack on [::].
	tb_bg bash -c 'echo $$ > "$1/cgroup.procs" && exec ip netns exec "$2" \
		socat -T 10 UDP6-RECVFROM:7111,bind=[::1],fork PIPE' lo6-udp \
		"$TB_CGROUP" "$NS_VM" &&
	tb_bg bash -c 'echo $$ > "$1/cgroup.procs" && exec ip netns exec "$2" \
		socat -T 10 UDP6-RECVFROM:7112,ipv6only=0,fork PIPE' ds-udp \
		"$TB_CGROUP" "$NS_VM" &&
	tb_wait_listen "$NS_VM" udp 7111 && tb_wait_listen "$NS_VM" udp 7112
}

# One UDP datagram from NS to [ADDR]:PORT, echoed; the reply must come from
# [ADDR]:PORT (an unconnected socket, so that a reply from anywhere else is
# seen and named, not filtered out by the kernel).
expect_udp6_echo()
{
	local ns=$1 addr=$2 port=$3 msg got
	msg="wslfwd-e2e-$RANDOM"
	got=$(ip netns exec "$ns" timeout 5 "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(2)
s.sendto(sys.argv[3].encode(), (sys.argv[1], int(sys.argv[2])))
try:
	data, src = s.recvfrom(2048)
except socket.timeout:
	print("no reply")
	sys.exit(0)
print("[%s]:%d %s" % (src[0], src[1], data.decode(errors="replace").strip()))
' "$addr" "$port" "$msg" 2>&1)
	[ "$got" = "[$addr]:$port $msg" ] ||
		fail "udp ${ns#"$TB_PREFIX-"} -> [$addr]:$port: got '$got', expected '[$addr]:$port $msg'" ||
		return 1
	note "udp ${ns#"$TB_PREFIX-"} -> [$addr]:$port echoed, reply from [$addr]:$port"
}

# GET URL from NS, expect PEER in the answer and in the access log of the
# nginx named NAME (the client address is kept).
expect_http_logged()
{
	local ns=$1 url=$2 peer=$3 name=$4 lines logged
	lines=$(tb_http_log_lines "$name")
	expect_http "$ns" "$url" "$peer" || return 1
	logged=$(tb_http_last_peer "$name" "$lines")
	[ "$logged" = "$peer" ] ||
		fail "access log of $name has '$logged', expected $peer" || return 1
	note "$name logged $logged"
}

# GET URL from NS on a one-arm mapping to win18082: the server must see
# PEER (one of them, given as "A|B") with a port in the SNAT range.
expect_http_snat()
{
	local ns=$1 url=$2 peer=$3 body rc addr port
	body=$(tb_curl "$ns" "$url" 2>&1)
	rc=$?
	[ "$rc" = 0 ] || fail "curl from ${ns#"$TB_PREFIX-"} to $url: exit $rc: $body" || return 1
	read -r addr port <<< "$body"
	addr=${addr#peer=} port=${port#port=}
	[[ "|$peer|" == *"|$addr|"* ]] ||
		fail "curl ${ns#"$TB_PREFIX-"} -> $url: server saw '$body', expected $peer" || return 1
	[[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 61000 ] && [ "$port" -le 65535 ] ||
		fail "curl ${ns#"$TB_PREFIX-"} -> $url: source port '$port' not in the SNAT range 61000-65535" ||
		return 1
	note "curl ${ns#"$TB_PREFIX-"} -> $url: server saw [$addr]:$port"
}

# Kind 1: a port on the VM itself; nginx sees and logs the client's address.
ipv6_curl_reaches_local_target()
{
	fresh_load || return 1
	add tcp "@vm6:8080" "@vm6:18080" || return 1
	expect_http_logged "$NS_WIN" "http://[$VM_IP6]:8080/" "$HOST_IP6" vm || return 1
	expect_http_logged "$NS_PEER" "http://[$VM_IP6]:8080/" "$PEER_IP6" vm || return 1
}

# Kind 2: the container behind the VM, listening on @vm6 and on eth0's
# address written out; the container logs the client's own address.
ipv6_curl_reaches_container_behind()
{
	fresh_load || return 1
	add tcp "@vm6:8081" "[$CTR_IP6]:80" || return 1
	add tcp "[$VM_IP6]:8083" "[$CTR_IP6]:80" || return 1
	expect_http_logged "$NS_WIN" "http://[$VM_IP6]:8081/" "$HOST_IP6" ctr || return 1
	expect_http_logged "$NS_PEER" "http://[$VM_IP6]:8081/" "$PEER_IP6" ctr || return 1
	expect_http_logged "$NS_WIN" "http://[$VM_IP6]:8083/" "$HOST_IP6" ctr || return 1
}

ipv6_udp_echo_through_container()
{
	fresh_load || return 1
	add udp "@vm6:7001" "[$CTR_IP6]:7000" || return 1
	expect_udp6_echo "$NS_WIN" "$VM_IP6" 7001 || return 1
	expect_udp6_echo "$NS_PEER" "$VM_IP6" 7001 || return 1
}

# Kind 3: back out of eth0 to the Windows host: source @vm6 with a port
# from the SNAT range, from a peer on the link and from the host itself.
ipv6_one_arm_to_host_uses_snat()
{
	fresh_load || return 1
	# The first packet must not depend on the VM having resolved the
	# target before.
	in_vm ip -6 neigh flush dev "$VM_DEV"
	add tcp "@vm6:8082" "@host6:18082" || return 1
	expect_http_snat "$NS_PEER" "http://[$VM_IP6]:8082/" "$VM_IP6" || return 1
	expect_http_snat "$NS_WIN" "http://[$VM_IP6]:8082/" "$VM_IP6" || return 1
}

# A short bulk transfer through the container completes (correctness
# under load, not speed).
ipv6_iperf3_through_container()
{
	fresh_load || return 1
	add tcp "@vm6:5201" "[$CTR_IP6]:5201" || return 1
	expect_iperf3 "$VM_IP6" 5201 "[$CTR_IP6]:5201"
}

# `list` and `conns` write IPv6 addresses in brackets before the port; -j
# prints valid JSON naming them.
ipv6_conns_and_list_show_ipv6_tuples()
{
	local out
	fresh_load || return 1
	add tcp "@vm6:8081" "[$CTR_IP6]:80" || return 1
	add tcp "[$VM_IP6]:8083" "[$CTR_IP6]:80" || return 1
	expect_rc 0 list || return 1
	out=$OUT
	grep -qF "[$CTR_IP6]:80" <<< "$out" || fail "list has no [$CTR_IP6]:80: $out" || return 1
	grep -qF ":8083" <<< "$out" && grep -qF ":8081" <<< "$out" ||
		fail "list lacks a listener: $out" || return 1
	grep -qF "[$VM_IP6]:8083" <<< "$out" || grep -qF "@vm6:8083" <<< "$out" ||
		fail "list has no [$VM_IP6]:8083: $out" || return 1
	note "list: $(paste -sd '|' <<< "$out")"
	expect_rc 0 -j list || return 1
	json_names "-j list" "$OUT" "$CTR_IP6" || return 1

	# A connection in the table: curl's own, just closed (the closing
	# timeout keeps it for seconds).
	expect_http "$NS_WIN" "http://[$VM_IP6]:8081/" "$HOST_IP6" || return 1
	expect_rc 0 conns || return 1
	out=$OUT
	# conntrack -L's words: the client's tuple, then the reply's
	grep -qE "src=$HOST_IP6 dst=$VM_IP6 sport=[0-9]+ dport=8081 src=$CTR_IP6 dst=$HOST_IP6 sport=80 " \
		<<< "$out" ||
		fail "conns has no $HOST_IP6 -> $VM_IP6:8081 answered by $CTR_IP6:80: $out" || return 1
	note "conns: $(paste -sd '|' <<< "$out")"
	expect_rc 0 -j conns || return 1
	json_names "-j conns" "$OUT" "$CTR_IP6" || return 1
	json_names "-j conns" "$OUT" "$HOST_IP6" || return 1
}

# WHAT's output TEXT is valid JSON naming ADDR.
json_names()
{
	local what=$1 text=$2 addr=$3 err
	err=$("$PY" -c 'import json, sys; json.loads(sys.stdin.read())' <<< "$text" 2>&1) ||
		fail "$what is not JSON: $err: $text" || return 1
	grep -qF "$addr" <<< "$text" || fail "$what does not name $addr: $text" || return 1
	note "$what is JSON and names $addr"
}

# The testbed's own IPv6 paths, with nothing loaded: if this fails, the
# other cases here say nothing about wslfwd. win has no route to the
# docker network (as in IPv4); one for the check, removed again.
ipv6_testbed_routes_without_wslfwd()
{
	local rc
	fresh_unloaded || return 1
	tb_ping "$NS_WIN" "$VM_IP6" && tb_ping "$NS_VM" "$HOST_IP6" && tb_ping "$NS_PEER" "$VM_IP6" &&
	tb_ping "$NS_VM" "$CTR_IP6" && tb_ping "$NS_LAN" "$WIN_LAN_IP6" ||
		fail "ping6 between the namespaces" || return 1
	note "ping6 win->vm, vm->win, peer->vm, vm->ctr, lan->win"
	expect_http "$NS_WIN" "http://[$VM_IP6]:18080/" "$HOST_IP6" || return 1
	expect_http "$NS_VM" "http://[$HOST_IP6]:5432/" "$VM_IP6" || return 1
	expect_http "$NS_VM" "http://[$CTR_IP6]:80/" "$DOCKER_GW6" || return 1
	expect_udp6_echo "$NS_VM" "$CTR_IP6" 7000 || return 1
	in_win ip -6 route add "$DOCKER_NET6" via "$VM_IP6" || fail "route to $DOCKER_NET6 in win" ||
		return 1
	expect_http "$NS_WIN" "http://[$CTR_IP6]:80/" "$HOST_IP6"
	rc=$?
	in_win ip -6 route del "$DOCKER_NET6" via "$VM_IP6"
	[ "$rc" = 0 ] && note "win -> ctr routed through the vm (with a route for the check)"
	return "$rc"
}

# What IPv6 mappings do not cover passes untouched: ping both ways, other
# ports (answered by the VM's own stack, or refused by it), UDP, and
# neighbour discovery resolving again through the datapath. Checked with
# IPv4 mappings only, then with IPv6 ones added.
ipv6_unmapped_and_nd_pass_untouched()
{
	fresh_load || return 1
	add tcp 8080 @vm:18080 || return 1
	add tcp 9090 "$CTR_IP:80" || return 1
	ipv6_untouched "http://[$VM_IP6]:9090/" || return 1
	note "-- with IPv6 mappings too"
	add tcp "@vm6:8080" "@vm6:18080" || return 1
	add tcp "@vm6:8081" "[$CTR_IP6]:80" || return 1
	ipv6_untouched "http://[$VM_IP6]:8081/"
}

# ipv6_untouched URL: the checks, URL the connection from win that
# resolves the neighbours again.
ipv6_untouched()
{
	local url=$1 body rc
	tb_ping "$NS_WIN" "$VM_IP6" || fail "ping win -> [$VM_IP6]" || return 1
	tb_ping "$NS_VM" "$HOST_IP6" || fail "ping vm -> [$HOST_IP6]" || return 1
	tb_ping "$NS_PEER" "$VM_IP6" || fail "ping peer -> [$VM_IP6]" || return 1
	tb_ping "$NS_VM" "$CTR_IP6" || fail "ping vm -> [$CTR_IP6]" || return 1
	note "ping6 win->vm, vm->win, peer->vm, vm->ctr"
	expect_http "$NS_WIN" "http://[$VM_IP6]:9090/" "$HOST_IP6" || return 1
	expect_http "$NS_WIN" "http://[$VM_IP6]:18080/" "$HOST_IP6" || return 1
	# No listener on 9999: the VM's own RST, at once (curl's 7), not a
	# timeout (28) or an answer.
	body=$(tb_curl "$NS_WIN" "http://[$VM_IP6]:9999/" 2>&1)
	rc=$?
	[ "$rc" = 7 ] || fail "curl to unmapped [$VM_IP6]:9999: exit $rc (expected 7, refused): $body" ||
		return 1
	note "unmapped [$VM_IP6]:9999 refused: $body"
	expect_udp6_echo "$NS_WIN" "$VM_IP6" 7000 || return 1
	# ND: both sides forget each other and resolve again with the
	# datapath loaded, for a connection from win and one from the VM.
	in_win ip -6 neigh flush dev vswitch
	in_vm ip -6 neigh flush dev "$VM_DEV"
	expect_http "$NS_WIN" "$url" "$HOST_IP6" || return 1
	in_win ip -6 neigh show "$VM_IP6" dev vswitch | grep -qE 'REACHABLE|STALE|DELAY|PROBE' ||
		fail "win has no neighbour entry for $VM_IP6: $(in_win ip -6 neigh show dev vswitch)" ||
		return 1
	in_vm ip -6 neigh show "$HOST_IP6" dev "$VM_DEV" | grep -qE 'REACHABLE|STALE|DELAY|PROBE' ||
		fail "vm has no neighbour entry for $HOST_IP6: $(in_vm ip -6 neigh show dev "$VM_DEV")" ||
		return 1
	body=$(tb_curl "$NS_VM" "http://[$HOST_IP6]:18082/" 2>&1)
	[[ "$body" == "peer=$VM_IP6 port="* ]] ||
		fail "the VM's own connection to [$HOST_IP6]:18082: '$body'" || return 1
	note "ND resolved again both ways; the VM's own connection out works"
}

# A link-local IPv6 gateway (what mirrored mode and most routers give):
# @host6 is fe80::1 on eth0, which the kernel's FIB never answers for; the
# next-hop cache (wf_nh) gives its MAC, and its connections go one-arm out
# of eth0 from the VM's own link-local address (design.md "Next-hop
# cache"). TCP and UDP to @host6, and a literal [fe80::1] target; status
# and list name it.
ipv6_link_local_host6_reached_through_the_nexthop_cache()
{
	local rc
	tb_v6_gw_linklocal || { tb_v6_gw_global; fail "cannot make the IPv6 gateway link-local"; return 1; }
	ll6_udp_server || { tb_v6_gw_global; return 1; }
	ipv6_link_local_host6_checks
	rc=$?
	ll6_udp_server_stop
	tb_v6_gw_global
	return "$rc"
}

# The VM's link-local address on eth0: the source of its one-arm
# connections to a link-local target.
vm_ll6()
{
	in_vm ip -6 -o addr show dev "$VM_DEV" scope link | awk '{ sub("/.*", "", $4); print $4; exit }'
}

# A UDP echo on [fe80::1%vswitch]:7005 in win, bound to that address so
# that its replies come from it (win's vswitch has a second link-local
# address of its own, which an unbound socket might answer from).
LL6_UDP_PID=
ll6_udp_server()
{
	ip netns exec "$NS_WIN" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 7005, 0, socket.if_nametoindex("vswitch")))
while True:
	data, src = s.recvfrom(2048)
	s.sendto(data, src)
' "$HOST_LL6" &
	LL6_UDP_PID=$!
	tb_wait_listen "$NS_WIN" udp 7005 -6 || fail "the UDP echo on [$HOST_LL6]:7005 did not start"
}

ll6_udp_server_stop()
{
	[ -n "$LL6_UDP_PID" ] && { kill "$LL6_UDP_PID" 2>/dev/null; wait "$LL6_UDP_PID" 2>/dev/null; }
	LL6_UDP_PID=
}

ipv6_link_local_host6_checks()
{
	local ll h0 h1
	note "vm: $(in_vm ip -6 route show default)"
	ll=$(vm_ll6)
	[ -n "$ll" ] || fail "eth0 has no link-local address: $(in_vm ip -6 addr show dev "$VM_DEV")" ||
		return 1
	fresh_load || return 1
	expect_rc 0 status || return 1
	grep -q "$HOST_LL6" <<< "$OUT" || fail "status does not give @host6 as $HOST_LL6: $OUT" ||
		return 1
	# The first packet must not depend on the VM having resolved it.
	in_vm ip -6 neigh flush dev "$VM_DEV"
	add tcp "@vm6:8082" "@host6:18082" || return 1
	grep -q "next-hop cache" <<< "$OUT" || fail "add did not say how a link-local @host6 is reached: $OUT" ||
		return 1
	note "  said: $OUT"
	add udp "@vm6:7006" "@host6:7005" || return 1
	add tcp "@vm6:8083" "[$HOST_LL6]:18082" || return 1
	expect_rc 0 list || return 1
	grep -qF "[$HOST_LL6]:18082" <<< "$OUT" || fail "list does not name [$HOST_LL6]:18082: $OUT" ||
		return 1
	note "list: $(paste -sd '|' <<< "$OUT")"
	h0=$(stat_of nh_hit)
	expect_http_snat "$NS_PEER" "http://[$VM_IP6]:8082/" "$ll" || return 1
	expect_http_snat "$NS_WIN" "http://[$VM_IP6]:8082/" "$ll" || return 1
	expect_http_snat "$NS_PEER" "http://[$VM_IP6]:8083/" "$ll" || return 1
	expect_udp6_echo "$NS_PEER" "$VM_IP6" 7006 || return 1
	h1=$(stat_of nh_hit)
	[ "${h1:-0}" -ge $((${h0:-0} + 4)) ] ||
		fail "nh_hit did not count the 4 first packets (${h0:-0} -> ${h1:-0})" || return 1
	note "nh_hit ${h0:-0} -> $h1"
}

# The MAC wf_nh holds for IPv6 target ADDR, "none" without an entry.
nh_dmac6()
{
	local hex
	hex=$(ip6_key_hex "$1") || return 1
	bpftool -j map lookup pinned "$TB_PIN_DIR/wf_nh" key hex $hex 2>/dev/null |
		"$PY" -c '
import json, sys
try:
	v = json.load(sys.stdin)
except ValueError:
	print("none"); sys.exit(0)
val = v.get("formatted", v).get("value") if isinstance(v, dict) else None
if isinstance(val, dict):
	print(":".join("%02x" % int(b) for b in val["dmac"]))
else:
	b = [int(x, 16) for x in v["value"]]
	print(":".join("%02x" % x for x in b[14:20]))
'
}

# wf_nh's key for an IPv6 address: family 10, 3 pad bytes, the address.
ip6_key_hex()
{
	"$PY" -c '
import ipaddress, sys
b = bytes([10, 0, 0, 0]) + ipaddress.IPv6Address(sys.argv[1]).packed
print(" ".join("%02x" % x for x in b))
' "$1"
}

# The host's MAC changes (a new adapter, a VM moved): with watch running,
# new connections to the link-local @host6 go to the new MAC, never the
# old one (which the switch no longer delivers to the host). The host
# announces it (unsolicited NA, as Windows does on an address change).
ipv6_link_local_host6_follows_a_mac_change_with_watch()
{
	local rc old
	tb_v6_gw_linklocal || { tb_v6_gw_global; fail "cannot make the IPv6 gateway link-local"; return 1; }
	old=$(in_win cat /sys/class/net/vswitch/address)
	in_win sysctl -qw net.ipv6.conf.vswitch.ndisc_notify=1 net.ipv4.conf.vswitch.arp_notify=1
	ll6_mac_checks "$old"
	rc=$?
	watch_stop
	in_win ip link set dev vswitch address "$old"
	in_win sysctl -qw net.ipv6.conf.vswitch.ndisc_notify=0 net.ipv4.conf.vswitch.arp_notify=0
	in_vm ip neigh flush dev "$VM_DEV"
	in_vm ip -6 neigh flush dev "$VM_DEV"
	tb_v6_gw_global
	return "$rc"
}

ll6_mac_checks()
{
	local old=$1 new=02:00:5e:10:00:94 ll got
	ll=$(vm_ll6)
	fresh_load || return 1
	watch_start || return 1
	add tcp "@vm6:8082" "@host6:18082" || return 1
	expect_http_snat "$NS_PEER" "http://[$VM_IP6]:8082/" "$ll" || return 1
	got=$(nh_dmac6 "$HOST_LL6")
	[ "$got" = "$old" ] || fail "wf_nh has $got for $HOST_LL6, expected the host's MAC $old" ||
		return 1
	note "wf_nh: $HOST_LL6 at $got"
	in_win ip link set dev vswitch address "$new" || fail "cannot change vswitch's MAC" || return 1
	# watch's debounce after the neighbour event; 5 s at most
	for _ in $(seq 50); do
		got=$(nh_dmac6 "$HOST_LL6")
		[ "$got" = "$new" ] && break
		sleep 0.1
	done
	[ "$got" = "$new" ] ||
		fail "wf_nh has $got for $HOST_LL6 5 s after the MAC change to $new; vm: $(in_vm ip -6 neigh show dev "$VM_DEV"); watch: $(tail -5 "$WATCH_LOG")" ||
		return 1
	note "wf_nh: $HOST_LL6 at $(nh_dmac6 "$HOST_LL6") after the change"
	expect_http_snat "$NS_PEER" "http://[$VM_IP6]:8082/" "$ll" || return 1
	expect_http_snat "$NS_WIN" "http://[$VM_IP6]:8082/" "$ll" || return 1
}

# The same port number mapped in both families, to different targets: each
# family reaches its own (the access logs say which server answered), and
# deleting one leaves the other.
ipv6_ipv4_mappings_unaffected()
{
	local c0 v0
	fresh_load || return 1
	add tcp 8080 "$CTR_IP:80" || return 1
	add tcp "@vm6:8080" "@vm6:18080" || return 1
	c0=$(tb_http_log_lines ctr) v0=$(tb_http_log_lines vm)
	expect_http_logged "$NS_WIN" "http://$VM_IP:8080/" "$HOST_IP" ctr || return 1
	[ "$(tb_http_log_lines vm)" = "$v0" ] ||
		fail "the IPv4 request on 8080 reached the VM's server too" || return 1
	c0=$(tb_http_log_lines ctr)
	expect_http_logged "$NS_WIN" "http://[$VM_IP6]:8080/" "$HOST_IP6" vm || return 1
	[ "$(tb_http_log_lines ctr)" = "$c0" ] ||
		fail "the IPv6 request on 8080 reached the container too" || return 1
	note "tcp 8080: IPv4 to the container, IPv6 to the VM's 18080"

	expect_rc 0 del tcp "@vm6:8080" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:8080/" "$HOST_IP" || return 1
	expect_no_http "$NS_WIN" "http://[$VM_IP6]:8080/" || return 1
	note "del tcp @vm6:8080 left the IPv4 mapping working"
}

# The socket hooks for IPv6 sockets: a container (hairpin) reaches a mapped
# [@vm6]:LPORT as clients outside do, with its own address; a dual-stack
# program in the VM reaching an IPv4 mapping through an IPv4-mapped address
# (::ffff:@vm) gets its target as an AF_INET socket would.
ipv6_sockets_reach_mappings_through_the_hooks()
{
	fresh_load || return 1
	add tcp "@vm6:8080" "@vm6:18080" || return 1
	add tcp 8081 "@vm:18080" || return 1
	# without the hooks nothing listens on 8080 in the VM: refused
	expect_http_cg "$NS_CTR" "http://[$VM_IP6]:8080/" "$CTR_IP6" || return 1
	expect_http_cg "$NS_VM" "http://[::ffff:$VM_IP]:8081/" "$VM_IP" || return 1
}

# Local clients over IPv6: a VM process connecting to [::1]:LPORT reaches
# the target (connect6), as 127.0.0.1:LPORT does over IPv4; a process
# outside the hooks' cgroup gets the VM's own [::1]:LPORT (nothing there).
ipv6_local_client_on_loopback_reaches_target()
{
	fresh_load || return 1
	add tcp "[::1]:8088" "[$CTR_IP6]:80" || return 1
	expect_http_cg "$NS_VM" "http://[::1]:8088/" "$DOCKER_GW6" || return 1
	expect_no_http "$NS_VM" "http://[::1]:8088/" || return 1
}

# The IPv6 tables are preallocated: a quarter of --ct-size by default (an
# IPv4-only machine does not pay for IPv6 tables as big as its IPv4 ones),
# --ct6-size to choose; a bad value exits 2.
ipv6_tables_sized_by_ct6_size()
{
	local n
	fresh_unloaded
	expect_rc 2 load --dev "$VM_DEV" --mode "$MODE" --ct6-size 0 || return 1
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" --ct-size 65536 || return 1
	n=$(bpftool -j map show pinned "$TB_PIN_DIR/wf_ct6" | jq -r .max_entries)
	[ "$n" = $((2 * 16384)) ] || fail "wf_ct6 holds $n entries for --ct-size 65536" || return 1
	expect_rc 0 unload || return 1
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" --ct6-size 4096 || return 1
	n=$(bpftool -j map show pinned "$TB_PIN_DIR/wf_ct6" | jq -r .max_entries)
	[ "$n" = 8192 ] || fail "wf_ct6 holds $n entries for --ct6-size 4096" || return 1
	n=$(bpftool -j map show pinned "$TB_PIN_DIR/wf_ct6_new" | jq -r .max_entries)
	[ "$n" = 2048 ] || fail "wf_ct6_new holds $n entries for --ct6-size 4096" || return 1
}

# Loopback-only targets over IPv6 (lo.h): a server bound to [::1] only is
# reached through its mapping from the Windows side, seeing the client's
# own address, with the port changed; so is a dual-stack server on [::],
# and the mapping from the VM's own processes (socket hooks).
# Nothing else on the VM's [::1] opens: not the unmapped server, not the
# mapped one on its own port.
ipv6_loopback_only_server_reached_through_mapping()
{
	fresh_load || return 1
	expect_no_http "$NS_WIN" "http://[$VM_IP6]:8095/" || return 1
	add tcp "@vm6:8095" "[::1]:8091" || return 1
	add tcp "[$VM_IP6]:8096" "[::1]:8093" || return 1
	expect_http "$NS_WIN" "http://[$VM_IP6]:8095/" "$HOST_IP6" || return 1
	expect_http "$NS_PEER" "http://[$VM_IP6]:8095/" "$PEER_IP6" || return 1
	expect_http "$NS_WIN" "http://[$VM_IP6]:8096/" "$HOST_IP6" || return 1
	# A VM process reaching the mapping gets the server through connect6.
	expect_http_cg "$NS_VM" "http://[$VM_IP6]:8095/" "::1" || return 1
	expect_no_http "$NS_WIN" "http://[$VM_IP6]:8092/" || return 1
	expect_no_http "$NS_WIN" "http://[$VM_IP6]:8091/" || return 1
	wslfwd -j stats | grep -q '"connections": *[1-9]' ||
		fail "no connection counted: $(wslfwd -j stats)" || return 1
	expect_rc 0 del tcp "@vm6:8095" || return 1
	expect_no_http "$NS_WIN" "http://[$VM_IP6]:8095/"
}

# UDP to [::1] servers: the echo must come back from [@vm6]:LPORT (sendmsg6
# sets the source address, tc egress the port), for a socket bound to
# [::1] and for a dual-stack one.
ipv6_loopback_only_udp_server_reached_through_mapping()
{
	fresh_load || return 1
	add udp "@vm6:7115" "[::1]:7111" || return 1
	add udp "@vm6:7116" "[::1]:7112" || return 1
	expect_udp6_echo "$NS_WIN" "$VM_IP6" 7115 || return 1
	expect_udp6_echo "$NS_PEER" "$VM_IP6" 7115 || return 1
	expect_udp6_echo "$NS_WIN" "$VM_IP6" 7116 || return 1
}

# A socket keeps its family: [::1] for an IPv4 listener and 127.0.0.1 for
# an IPv6 one are refused (exit 2), changing nothing.
ipv6_loopback_target_other_family_is_refused()
{
	local before after
	fresh_load || return 1
	snapshot "$TB_TMP/before"
	expect_rc 2 add tcp 5433 "[::1]:8091" || return 1
	echo "$OUT" | grep -q 'in its own family only' || fail "message: $OUT" || return 1
	expect_rc 2 add udp "@vm6:5433" 127.0.0.1:7101 || return 1
	expect_rc 2 add tcp "@vm6:5433" "[::1]:8091" snat always || return 1
	snapshot "$TB_TMP/after"
	before=$(cat "$TB_TMP/before") after=$(cat "$TB_TMP/after")
	[ "$before" = "$after" ] || fail "a refused add changed state" || return 1
	note "refused adds changed nothing: $OUT"
}

# Without watch, a link-local @host6 (the default route's gateway, as in
# mirrored mode) stays reachable past its wf_nh entry's age (WF_NH_TTL_S,
# 30 s): the datapath asks the FIB for the entry's probe, a global
# destination routed through @host6, and takes the kernel's neighbour MAC
# (design.md "Next-hop cache"). The host's MAC changes meanwhile: the
# stale entry's old MAC, which the switch no longer delivers to the host,
# must not be used. TCP and UDP.
ipv6_link_local_host6_reached_without_watch_past_the_entry_age()
{
	local rc old
	tb_v6_gw_linklocal || { tb_v6_gw_global; fail "cannot make the IPv6 gateway link-local"; return 1; }
	ll6_udp_server || { tb_v6_gw_global; return 1; }
	old=$(in_win cat /sys/class/net/vswitch/address)
	in_win sysctl -qw net.ipv6.conf.vswitch.ndisc_notify=1
	ll6_no_watch_checks "$old"
	rc=$?
	in_win ip link set dev vswitch address "$old"
	in_win sysctl -qw net.ipv6.conf.vswitch.ndisc_notify=0
	in_vm ip neigh flush dev "$VM_DEV"
	in_vm ip -6 neigh flush dev "$VM_DEV"
	ll6_udp_server_stop
	tb_v6_gw_global
	return "$rc"
}

ll6_no_watch_checks()
{
	local old=$1 new=02:00:5e:10:00:95 ll s0 s1 t0 got
	ll=$(vm_ll6)
	fresh_load || return 1
	add tcp "@vm6:8082" "@host6:18082" || return 1
	grep -q "through the kernel's route via it" <<< "$OUT" ||
		fail "add did not say that @host6 stays reachable without watch: $OUT" || return 1
	note "  said: $OUT"
	add udp "@vm6:7006" "@host6:7005" || return 1
	t0=$(date +%s)	# the last write of wf_nh
	expect_http_snat "$NS_PEER" "http://[$VM_IP6]:8082/" "$ll" || return 1
	got=$(nh_dmac6 "$HOST_LL6")
	[ "$got" = "$old" ] || fail "wf_nh has $got for $HOST_LL6, expected the host's MAC $old" ||
		return 1
	in_win ip link set dev vswitch address "$new" || fail "cannot change vswitch's MAC" || return 1
	for _ in $(seq 50); do
		in_vm ip -6 neigh show "$HOST_LL6" dev "$VM_DEV" | grep -q "$new" && break
		sleep 0.1
	done
	in_vm ip -6 neigh show "$HOST_LL6" dev "$VM_DEV" | grep -q "$new" ||
		fail "the VM's kernel did not learn $HOST_LL6's new MAC $new: $(in_vm ip -6 neigh show dev "$VM_DEV")" ||
		return 1
	# past the entry's age (30 s after the last add wrote it), no watch
	t0=$((t0 + 33 - $(date +%s)))
	[ "$t0" -gt 0 ] && sleep "$t0"
	got=$(nh_dmac6 "$HOST_LL6")
	[ "$got" = "$old" ] || fail "wf_nh changed to $got without watch" || return 1
	note "wf_nh still has the old $got, stale; the kernel has $new"
	s0=$(stat_of nh_stale)
	expect_http_snat "$NS_PEER" "http://[$VM_IP6]:8082/" "$ll" || return 1
	expect_http_snat "$NS_WIN" "http://[$VM_IP6]:8082/" "$ll" || return 1
	expect_udp6_echo "$NS_PEER" "$VM_IP6" 7006 || return 1
	s1=$(stat_of nh_stale)
	[ "${s1:-0}" -ge $((${s0:-0} + 3)) ] ||
		fail "nh_stale did not count the 3 first packets past the age (${s0:-0} -> ${s1:-0})" ||
		return 1
	note "past the age: curl and UDP reached @host6 at its new MAC; nh_stale ${s0:-0} -> $s1"
}
