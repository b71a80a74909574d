# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# Fragments (design.md "Fragments"): UDP datagrams bigger than the MTU
# through every target kind, both ways, with the counters exact.

# A 4000-byte UDP payload: three fragments at MTU 1500 (one first, two
# later ones), and below PIPE_BUF, so socat's PIPE echoes it in one piece.
FRAG_BYTES=4000

# Send one FRAG_BYTES datagram from NS to ADDR:PORT and expect the same
# bytes back (the echo server's stack fragments its answer too).
expect_big_udp_echo()
{
	local ns=$1 addr=$2 port=$3 f=$TB_TMP/big.in o=$TB_TMP/big.out
	[ -s "$f" ] || head -c "$FRAG_BYTES" /dev/urandom > "$f"
	ip netns exec "$ns" timeout 6 socat -b 8192 -T 3 -t 1 - UDP4:"$addr":"$port" \
		< "$f" > "$o" 2>&1
	cmp -s "$f" "$o" ||
		fail "udp ${ns#"$TB_PREFIX-"} -> $addr:$port, $FRAG_BYTES bytes: got $(stat -c %s "$o") bytes back$(
			[ "$(stat -c %s "$o")" -lt 200 ] && echo ": $(cat "$o")")" || return 1
}

# One datapath counter from `wslfwd -j stats`.
stat_of()
{
	wslfwd -j stats 2>/dev/null | grep -o "\"$1\": *[0-9]*" | grep -o '[0-9]*$' | head -1
}

# Fragment reassembly queues held in the vm ns now (/proc/net/sockstat).
vm_frag_queues()
{
	in_vm awk '$1 == "FRAG:" { print $3 }' /proc/net/sockstat
}

# Mapped datagrams bigger than the MTU, both ways, through each target
# kind: the container (BEHIND), @vm (LOCAL) and @host (one-arm). Each
# echo is two later fragments each way, translated (frag_translated +4),
# none dropped (fragment), none left in the VM's reassembly queues (the
# starvation of issue 10). Then unmapped fragmented UDP still works: to
# the VM itself, counted exactly once per later fragment (frag_passed; XDP
# modes counted it in XDP and again in tc), and routed through the VM.
udp_bigger_than_mtu_through_every_target_kind()
{
	local t0 t1 p0 p1 d0 n=0 i
	fresh_load || return 1
	add udp 7001 "$CTR_IP:7000" || return 1
	add udp 7002 @vm:7000 || return 1
	add udp 7003 @host:7000 || return 1
	t0=$(stat_of frag_translated)
	d0=$(stat_of fragment)
	for i in 1 2 3; do
		expect_big_udp_echo "$NS_WIN" "$VM_IP" 7001 || return 1	# BEHIND
		expect_big_udp_echo "$NS_PEER" "$VM_IP" 7001 || return 1
		expect_big_udp_echo "$NS_WIN" "$VM_IP" 7002 || return 1	# LOCAL
		expect_big_udp_echo "$NS_PEER" "$VM_IP" 7003 || return 1	# one-arm
		n=$((n + 4))
	done
	note "$n echoes of $FRAG_BYTES bytes through container, @vm and @host mappings"
	t1=$(stat_of frag_translated)
	[ $((t1 - t0)) = $((4 * n)) ] ||
		fail "frag_translated moved by $((t1 - t0)), expected $((4 * n)) (2 later fragments each way)" ||
		return 1
	[ "$(stat_of fragment)" = "$d0" ] ||
		fail "fragment drops moved: $d0 -> $(stat_of fragment)" || return 1
	note "frag_translated +$((t1 - t0)), fragment drops unchanged ($d0)"
	[ "$(vm_frag_queues)" = 0 ] ||
		fail "the VM holds $(vm_frag_queues) reassembly queues after the mapped datagrams" || return 1
	note "no reassembly queue left in the VM"

	p0=$(stat_of frag_passed)
	for i in 1 2 3; do
		expect_big_udp_echo "$NS_WIN" "$VM_IP" 7000 || return 1
	done
	p1=$(stat_of frag_passed)
	[ $((p1 - p0)) = 6 ] ||
		fail "frag_passed moved by $((p1 - p0)) for 3 unmapped datagrams (6 later fragments)" ||
		return 1
	note "3 unmapped datagrams to the VM: frag_passed +6, each fragment counted once"

	# Plain routing through the VM: lan -> win -> VM -> container.
	in_win ip route add "$DOCKER_NET" via "$VM_IP" || return 1
	expect_big_udp_echo "$NS_LAN" "$CTR_IP" 7000
	i=$?
	in_win ip route del "$DOCKER_NET" via "$VM_IP"
	[ "$i" = 0 ] || return 1
	note "$FRAG_BYTES-byte UDP routed lan -> container through the VM echoed"
}
