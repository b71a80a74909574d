# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# Traffic through mappings, one case per target kind (PRODUCT.md "What a
# mapping does"), with real clients and servers. Servers (started once per
# testbed by run.sh) answer HTTP with "peer=<client address as they saw it>".

# Kind 1: a port on the VM itself. The server sees the Windows host's address.
http_to_port_on_vm_itself()
{
	fresh_load || return 1
	add tcp 8080 @vm:18080 || return 1
	expect_http "$NS_WIN" "http://$VM_IP:8080/" "$HOST_IP" || return 1
	expect_http "$NS_PEER" "http://$VM_IP:8080/" "$PEER_IP" || return 1
}

# Kind 2: behind the VM (a container on docker0). The container sees the
# client's own address, and logs it.
http_to_container_keeps_client_address()
{
	local logged lines
	load_with_ctr_mapping || return 1
	lines=$(tb_http_log_lines ctr)
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
	logged=$(tb_http_last_peer ctr "$lines")
	[ "$logged" = "$HOST_IP" ] || fail "container's access log has '$logged', expected $HOST_IP" ||
		return 1
	note "container logged $logged"
	expect_http "$NS_PEER" "http://$VM_IP:4000/" "$PEER_IP" || return 1
}

# Kind 2 with `load --redirect` of the container's docker0 port: in the XDP
# modes the packets skip the bridge (XDP cannot send into one) and go
# straight to the port the bridge learned the container's MAC behind; the
# container's eth0 has GRO on, so veth delivers native XDP frames
# (TESTBED.md). tc mode takes the stack as before.
http_to_container_redirected_past_the_bridge()
{
	local tx0 tx1 i
	fresh_unloaded || return 1
	in_ctr ethtool -K "$CTR_DEV" gro on >/dev/null || return 1
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" --redirect "$VM_CTR_PORT" || return 1
	add tcp 4000 "$CTR_IP:80" || return 1
	tx0=$(in_vm cat /sys/class/net/docker0/statistics/tx_packets)
	for i in 1 2 3 4 5; do
		expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
	done
	tx1=$(in_vm cat /sys/class/net/docker0/statistics/tx_packets)
	note "docker0 sent $((tx1 - tx0)) packets for 5 connections"
	if [ "$MODE" != tc ]; then
		[ "$((tx1 - tx0))" -le 2 ] ||
			fail "$MODE with --redirect: $((tx1 - tx0)) packets still went through docker0" ||
			return 1
	else
		[ "$((tx1 - tx0))" -ge 15 ] ||
			fail "$MODE: only $((tx1 - tx0)) packets through docker0, expected the stack's path" ||
			return 1
	fi
}

# Packets docker0 sends while N (default 5) HTTP connections go from win to
# the container through VM_IP:4000.
docker0_tx_for_http()
{
	local tx0 tx1 i
	tx0=$(in_vm cat /sys/class/net/docker0/statistics/tx_packets)
	for i in $(seq "${1:-5}"); do
		expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" >&2 || return 1
	done
	tx1=$(in_vm cat /sys/class/net/docker0/statistics/tx_packets)
	echo $((tx1 - tx0))
}

# The default, --redirect auto: XDP redirects only to devices the kernel
# reports able to take XDP frames (netdev xdp-features NDO_XMIT). A veth has
# it while its peer has NAPI: the container's eth0 with GRO off (a veth's
# default) leaves the docker0 port out and the stack routes; with GRO on
# packets skip docker0. --redirect none keeps the stack's path.
http_to_container_redirect_auto_follows_the_kernel()
{
	local d
	fresh_unloaded || return 1
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" || return 1
	add tcp 4000 "$CTR_IP:80" || return 1
	expect_rc 0 status || return 1
	if [ "$MODE" = tc ]; then
		echo "$OUT" | grep -q "^redirect: *none (tc mode" ||
			fail "tc status: $OUT" || return 1
	else
		echo "$OUT" | grep -q "^redirect: *auto: no device takes XDP frames" ||
			fail "GRO off: $VM_CTR_PORT must not be a redirect target: $OUT" || return 1
	fi
	d=$(docker0_tx_for_http) || return 1
	note "GRO off: docker0 sent $d packets for 5 connections"
	[ "$d" -ge 15 ] || fail "GRO off: only $d packets through docker0, expected the stack's path" ||
		return 1

	fresh_unloaded || return 1
	in_ctr ethtool -K "$CTR_DEV" gro on >/dev/null || return 1
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" || return 1
	add tcp 4000 "$CTR_IP:80" || return 1
	expect_rc 0 status || return 1
	d=$(docker0_tx_for_http) || return 1
	note "GRO on: docker0 sent $d packets for 5 connections; $(echo "$OUT" | grep '^redirect')"
	if [ "$MODE" != tc ]; then
		echo "$OUT" | grep -q "^redirect: *auto: .*$VM_CTR_PORT" ||
			fail "GRO on: $VM_CTR_PORT should be a redirect target: $OUT" || return 1
		[ "$d" -le 2 ] || fail "GRO on: $d packets still went through docker0" || return 1
	else
		[ "$d" -ge 15 ] || fail "tc: only $d packets through docker0" || return 1
	fi

	fresh_unloaded || return 1
	in_ctr ethtool -K "$CTR_DEV" gro on >/dev/null || return 1
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" --redirect none || return 1
	add tcp 4000 "$CTR_IP:80" || return 1
	expect_rc 0 status || return 1
	[ "$MODE" = tc ] || echo "$OUT" | grep -q "^redirect: *none (the stack routes)" ||
		fail "--redirect none: $OUT" || return 1
	d=$(docker0_tx_for_http) || return 1
	[ "$d" -ge 15 ] || fail "--redirect none: only $d packets through docker0" || return 1
	note "--redirect none, GRO on: docker0 sent $d packets"
}

# Kind 3: back out of eth0 to the Windows host (one-arm full NAT): the host's
# server sees @vm as the client, from the client on the switch and from the
# host itself.
http_one_arm_to_host()
{
	fresh_load || return 1
	# The first packet must not depend on the VM having talked to the
	# target before: wslfwd resolves one-arm next hops itself.
	in_vm ip neigh flush dev "$VM_DEV"
	add tcp 5000 @host:5432 || return 1
	expect_http "$NS_PEER" "http://$VM_IP:5000/" "$VM_IP" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:5000/" "$VM_IP" || return 1
}

# Kind 3 with a literal target that is another peer on the same link.
http_one_arm_to_peer_on_the_link()
{
	fresh_load || return 1
	in_vm ip neigh flush dev "$VM_DEV"
	add tcp 5001 "$PEER_IP:5432" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:5001/" "$VM_IP" || return 1
}

# A client on the LAN reaches the container through the Windows host's
# portproxy (socat stands in for netsh) and wslfwd in the VM.
lan_client_reaches_container_through_portproxy()
{
	load_with_ctr_mapping || return 1
	expect_http "$NS_LAN" "http://$WIN_LAN_IP:4000/" "$HOST_IP" || return 1
}

udp_request_response_through_container()
{
	fresh_load || return 1
	add udp 7001 "$CTR_IP:7000" || return 1
	expect_udp_echo "$NS_WIN" "$VM_IP" 7001 || return 1
	expect_udp_echo "$NS_PEER" "$VM_IP" 7001 || return 1
}

udp_request_response_to_port_on_vm()
{
	fresh_load || return 1
	add udp 7002 @vm:7000 || return 1
	expect_udp_echo "$NS_WIN" "$VM_IP" 7002 || return 1
}

udp_request_response_one_arm_to_host()
{
	fresh_load || return 1
	in_vm ip neigh flush dev "$VM_DEV"
	add udp 7003 @host:7000 || return 1
	expect_udp_echo "$NS_PEER" "$VM_IP" 7003 || return 1
}

# A short bulk TCP transfer through the container mapping completes (no
# throughput threshold: this proves correctness under load, not speed).
iperf3_through_container_mapping()
{
	fresh_load || return 1
	add tcp 5201 "$CTR_IP:5201" || return 1
	expect_iperf3 "$VM_IP" 5201 "$CTR_IP:5201"
}

# Everything not mapped passes untouched: other ports on the VM, the target
# port itself, UDP, ICMP both ways, ARP resolution, and the container.
unmapped_traffic_unaffected()
{
	fresh_load || return 1
	add tcp 8080 @vm:18080 || return 1
	add tcp 4000 "$CTR_IP:80" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:9090/" "$HOST_IP" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:18080/" "$HOST_IP" || return 1
	expect_udp_echo "$NS_WIN" "$VM_IP" 7000 || return 1
	tb_ping "$NS_WIN" "$VM_IP" || fail "ping win -> vm" || return 1
	tb_ping "$NS_VM" "$HOST_IP" || fail "ping vm -> win" || return 1
	tb_ping "$NS_PEER" "$VM_IP" || fail "ping peer -> vm" || return 1
	tb_ping "$NS_VM" "$CTR_IP" || fail "ping vm -> container" || return 1
	note "ping win->vm, vm->win, peer->vm, vm->ctr"
	# ARP: forget the VM's MAC on the host side and let it resolve again
	# through the loaded datapath (both ways).
	in_win ip neigh flush dev vswitch
	in_vm ip neigh flush dev "$VM_DEV"
	expect_http "$NS_WIN" "http://$VM_IP:8080/" "$HOST_IP" || return 1
	in_win ip neigh show "$VM_IP" dev vswitch | grep -qE 'REACHABLE|STALE|DELAY' ||
		fail "win has no ARP entry for $VM_IP: $(in_win ip neigh show dev vswitch)" || return 1
	in_vm ip neigh show "$HOST_IP" dev "$VM_DEV" | grep -qE 'REACHABLE|STALE|DELAY|PROBE' ||
		fail "vm has no ARP entry for $HOST_IP: $(in_vm ip neigh show dev "$VM_DEV")" || return 1
	note "ARP resolved again both ways"
	# The VM's own outgoing connections (no mapping) work.
	expect_http "$NS_VM" "http://$HOST_IP:5432/" "$VM_IP" || return 1
}

# ---- XDP_REDIRECT sends only what the receiving device takes (issue 10) ----

# The container's eth0 has MTU 1400 (and docker0, its route, too) while its
# docker0 port stays at 1500: a redirected 1500-byte frame would be dropped
# by the container's end of the veth, unseen. wslfwd redirects what fits
# and sends the rest through the stack, which fragments it: both datagrams
# arrive, and the counters say which path the big one took.
redirect_sends_what_the_container_cannot_take_through_the_stack()
{
	local got st mtu0 fwd
	fresh_unloaded || return 1
	undo() {
		in_ctr ip link set dev "$CTR_DEV" mtu 1500
		in_vm ip link set dev docker0 mtu 1500
		in_vm nft delete table inet wftest 2>/dev/null
	}
	in_ctr ethtool -K "$CTR_DEV" gro on >/dev/null &&
	in_ctr ip link set dev "$CTR_DEV" mtu 1400 && in_vm ip link set dev docker0 mtu 1400 ||
		{ undo; fail "cannot set the MTUs"; return 1; }
	in_vm ip link set dev "$VM_CTR_PORT" mtu 1500
	# The stack's FORWARD hook sees what the stack routes, never what XDP
	# redirects: one count per datagram (before fragmentation).
	in_vm nft -f - <<-'NFT' || { undo; fail "nft"; return 1; }
		table inet wftest {
			chain c7100 { type filter hook forward priority 0; udp dport 7100 counter; }
		}
	NFT
	tb_bg ip netns exec "$NS_CTR" socat -u UDP4-RECV:7100 OPEN:"$TB_TMP/udp7100",creat,append
	tb_wait_listen "$NS_CTR" udp 7100 || { undo; return 1; }
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" || { undo; return 1; }
	add udp 7100 "$CTR_IP:7100" || { undo; return 1; }
	# DF clear, as the stack must be free to fragment (UDP sets DF by default).
	head -c 100 /dev/zero | in_win socat -u - UDP4-SENDTO:"$VM_IP":7100,sourceport=47100,ip-mtu-discover=0
	sleep 0.3
	head -c 1472 /dev/zero | in_win socat -u - UDP4-SENDTO:"$VM_IP":7100,sourceport=47100,ip-mtu-discover=0
	for _ in $(seq 30); do
		got=$(stat -c %s "$TB_TMP/udp7100" 2>/dev/null || echo 0)
		[ "$got" -ge 1572 ] && break
		sleep 0.1
	done
	fwd=$(in_vm nft list chain inet wftest c7100 | grep -oE 'packets [0-9]+' | grep -oE '[0-9]+')
	st=$(wslfwd stats)
	mtu0=$(echo "$st" | awk '$1 == "redirect_mtu" { print $2 }')
	note "container received $got bytes; the stack forwarded ${fwd:-?} datagram(s); redirect_mtu ${mtu0:-none}"
	note "status: $(wslfwd status | grep '^behind')"
	undo
	[ "$got" = 1572 ] || fail "expected 100 + 1472 bytes at the container, got $got" || return 1
	if [ "$MODE" = tc ]; then
		[ "$fwd" = 2 ] || fail "tc mode: the stack forwarded $fwd datagrams, expected both" || return 1
		note "tc mode never redirects: both through the stack"
		return 0
	fi
	[ "${mtu0:-0}" = 1 ] || fail "redirect_mtu is ${mtu0:-0}, expected 1: $st" || return 1
	# The small one was redirected past the stack, the big one routed.
	[ "$fwd" = 1 ] || fail "the stack forwarded $fwd datagrams, expected the big one only" || return 1
}
