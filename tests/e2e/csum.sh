# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# Checksums the sender left to offload (design.md "Checksums"). The testbed
# turns tx checksum offload off on the switch-side senders to stand for a
# wire; here it is left on at the clients (win's own sockets, the peer), so
# the VM receives CHECKSUM_PARTIAL packets whose checksum field holds only
# the pseudo-header sum, as Windows hands them over through Hyper-V. The
# receivers' TCP/UDP stacks verify what they get: a completed connection
# that carried data, and their InCsumErrors staying put, prove it.

# Tcp and Udp InCsumErrors of namespace NS, as "tcp udp".
csum_errors()
{
	ip netns exec "$1" cat /proc/net/snmp | awk '
		$1 == "Tcp:" && !t { for (i = 2; i <= NF; i++) if ($i == "InCsumErrors") tc = i; t = 1; next }
		$1 == "Tcp:" { tv = $tc }
		$1 == "Udp:" && !u { for (i = 2; i <= NF; i++) if ($i == "InCsumErrors") uc = i; u = 1; next }
		$1 == "Udp:" { uv = $uc }
		END { print tv + 0, uv + 0 }'
}

# Offload on at the clients; off on the two ports that send on what the VM
# forwards or sends itself, so the kernel completes a CHECKSUM_PARTIAL skb
# there from the field (skb_checksum_help): a wrong pseudo-header sum shows.
csum_offload_clients()
{
	local on=$1 off=off
	[ "$on" = off ] && off=on
	in_win ethtool -K vswitch tx "$on" >/dev/null 2>&1
	in_win ethtool -K "$WIN_VM_PORT" tx "$on" >/dev/null &&
		in_peer ethtool -K "$PEER_DEV" tx "$on" >/dev/null &&
		in_vm ethtool -K "$VM_CTR_PORT" tx "$off" >/dev/null
}

csum_stat()
{
	wslfwd -j stats 2>/dev/null | grep -o '"csum_pseudo"[[:space:]]*:[[:space:]]*[0-9]*' |
		grep -o '[0-9]*$'
}

csum_paths()
{
	local ns before after out d s
	declare -A before
	fresh_load || return 1
	add tcp 8080 @vm:18080 || return 1
	add tcp 4000 "$CTR_IP:80" || return 1
	add tcp 5000 @host:5432 || return 1
	add tcp 5001 "$PEER_IP:5432" || return 1
	add udp 7001 "$CTR_IP:7000" || return 1
	add udp 7002 @vm:7000 || return 1
	add udp 7003 @host:7000 || return 1
	add tcp 5201 "$CTR_IP:5201" || return 1
	for ns in "$NS_VM" "$NS_CTR" "$NS_WIN" "$NS_PEER"; do
		before[$ns]=$(csum_errors "$ns")
	done

	# LOCAL, BEHIND through the stack (GRO off in the container: no
	# redirect), ONEARM to @host and to a peer, each from both clients.
	expect_http "$NS_WIN" "http://$VM_IP:8080/" "$HOST_IP" || return 1
	expect_http "$NS_PEER" "http://$VM_IP:8080/" "$PEER_IP" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
	expect_http "$NS_PEER" "http://$VM_IP:4000/" "$PEER_IP" || return 1
	expect_http "$NS_PEER" "http://$VM_IP:5000/" "$VM_IP" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:5000/" "$VM_IP" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:5001/" "$VM_IP" || return 1
	expect_udp_echo "$NS_WIN" "$VM_IP" 7001 || return 1
	expect_udp_echo "$NS_PEER" "$VM_IP" 7002 || return 1
	expect_udp_echo "$NS_PEER" "$VM_IP" 7003 || return 1
	# Bulk data: full-sized segments through the container mapping.
	expect_iperf3 "$VM_IP" 5201 "$CTR_IP:5201" || return 1

	# BEHIND redirected (XDP modes): the container's eth0 with GRO on takes
	# XDP frames, so `load` (--redirect auto) redirects to its docker0 port.
	in_ctr ethtool -K "$CTR_DEV" gro on >/dev/null || return 1
	expect_rc 0 unload || return 1
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" || return 1
	d=$(docker0_tx_for_http 3) || return 1
	note "GRO on: docker0 sent $d packets for 3 connections"
	if [ "$MODE" != tc ]; then
		[ "$d" -le 2 ] || fail "$MODE: $d packets went through docker0, not redirected" ||
			return 1
	fi
	out=$(in_win timeout 20 iperf3 -c "$VM_IP" -p 5201 -t 2 -f m 2>&1) ||
		fail "iperf3 (redirected) failed: $out" || return 1
	in_ctr ethtool -K "$CTR_DEV" gro off >/dev/null

	s=$(csum_stat)
	note "csum_pseudo: ${s:-none}"
	if [ "$MODE" != tc ]; then
		[ "${s:-0}" -gt 0 ] ||
			fail "$MODE: no packet was seen with a pseudo-header checksum: offload not on?" ||
			return 1
	fi
	for ns in "$NS_VM" "$NS_CTR" "$NS_WIN" "$NS_PEER"; do
		after=$(csum_errors "$ns")
		[ "$after" = "${before[$ns]}" ] ||
			fail "${ns#"$TB_PREFIX-"}: Tcp/Udp InCsumErrors ${before[$ns]} -> $after" ||
			return 1
	done
	note "InCsumErrors unchanged in vm, ctr, win, peer"
}

# tx checksum offload on at the clients: every target kind, TCP and UDP,
# reaches its server and back with checksums its receiver accepts.
offloaded_checksums_correct_on_every_path()
{
	local rc
	csum_offload_clients on || fail "ethtool: cannot turn tx offload on" || return 1
	note "tx offload on: win vswitch, $WIN_VM_PORT, peer $PEER_DEV; off: vm $VM_CTR_PORT"
	csum_paths
	rc=$?
	csum_offload_clients off
	in_ctr ethtool -K "$CTR_DEV" gro off >/dev/null 2>&1
	return $rc
}
