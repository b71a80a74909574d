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
	# shellcheck disable=SC2016 # awk's own $1
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

# The hex bytes of an IPv4 address.
# shellcheck disable=SC2086 # split on the dots
ip4_hex() { local IFS=.; set -- $1; printf '%02x%02x%02x%02x' "$1" "$2" "$3" "$4"; }

# Hex of an Ethernet frame from the switch to eth0: optional tag (TPID TCI,
# e.g. "8100 0064"; "" for none), then IPv4/UDP SRC:SPORT -> DST:DPORT with
# a 4-byte payload, UDP checksum 0 (none), IP checksum computed.
udp_frame_hex()
{
	local dmac=$1 smac=$2 tag=$3 src=$4 sport=$5 dst=$6 dport=$7 ip sum w i
	ip=$(printf '4500%04x000040004011%s%s' 32 "$(ip4_hex "$src")" "$(ip4_hex "$dst")")
	ip=${ip:0:20}0000${ip:20}
	sum=0
	for ((i = 0; i < 40; i += 4)); do
		w=${ip:i:4}
		sum=$((sum + 16#$w))
	done
	sum=$(((sum & 0xffff) + (sum >> 16)))
	sum=$(((sum & 0xffff) + (sum >> 16)))
	ip=${ip:0:20}$(printf '%04x' $((~sum & 0xffff)))${ip:24}
	printf '%s%s%s0800%s%04x%04x%04x0000%s' "${dmac//:/}" "${smac//:/}" "${tag// /}" "$ip" \
		"$sport" "$dport" 12 766c616e
}

# Send the frame given in hex out of the switch port into eth0, raw.
send_frame_hex()
{
	local f=$TB_TMP/frame.bin
	echo -n "$1" | xxd -r -p > "$f"
	in_win socat -u OPEN:"$f" INTERFACE:"$WIN_VM_PORT"
}

# VLAN-tagged frames (802.1Q VID 100, 802.1ad VID 200, priority-tagged VID
# 0) to a mapped port are not ours in any mode: no connection. tc meets
# them untagged, the tag in skb metadata where the stack put it; XDP with
# the tag in the frame. The same frame untagged is forwarded (the control).
vlan_tagged_frames_are_not_forwarded_in_any_mode()
{
	local vmmac winmac tag n
	fresh_load || return 1
	add udp 7002 @vm:7000 || return 1
	vmmac=$(in_vm cat /sys/class/net/"$VM_DEV"/address)
	winmac=$(in_win cat /sys/class/net/vswitch/address)
	for tag in "8100 0064" "88a8 00c8" "8100 a000"; do
		send_frame_hex "$(udp_frame_hex "$vmmac" "$winmac" "$tag" "$HOST_IP" 41000 \
			"$VM_IP" 7002)" || fail "cannot send a raw frame with socat" || return 1
	done
	sleep 0.5
	n=$(wslfwd conns 2>&1 | grep -c 'sport=41000')
	[ "$n" = 0 ] || fail "tagged frames made connections: $(wslfwd conns 2>&1)" || return 1
	note "802.1Q VID 100, 802.1ad VID 200, priority-tagged VID 0: no connection"
	send_frame_hex "$(udp_frame_hex "$vmmac" "$winmac" "" "$HOST_IP" 41000 "$VM_IP" 7002)" ||
		return 1
	sleep 0.5
	wslfwd conns 2>&1 | grep -q 'sport=41000' ||
		fail "the same frame untagged made no connection: $(wslfwd conns 2>&1)" || return 1
	note "the same frame untagged: forwarded, connection listed"
}
