# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# A backend routed by the VM over a veth of its own, no bridge (the rtd ns
# of tests/testbed.sh, tb_rtd_up: 10.99.0.2/32 and fd00:99::2/128 routed on
# the VM's veth0rtd), the way Podman, LXD and Kubernetes CNIs attach
# workloads. Mappings to it are BEHIND targets whose egress device is the
# backend's own veth: with GRO off on the backend's eth0 (a veth's default)
# the stack routes them; with GRO on the kernel reports veth0rtd able to
# take XDP frames and the XDP modes redirect to it, past the stack. Which
# path was taken is read from a netfilter FORWARD counter in the vm ns (it
# sees what the stack routes, never what XDP redirects), and in native XDP
# from the backend veth's XDP counters too.

# Servers in the backend: nginx on 80 (both families), iperf3 on 5201,
# the UDP echo on 7000 (both families). Called by run.sh's start_servers.
routed_servers()
{
	tb_rtd_up &&
	tb_http_server "$NS_RTD" 80 rtd &&
	tb_iperf_server "$NS_RTD" 5201 &&
	tb_udp_echo "$NS_RTD" 7000
}

# GRO on the backend's eth0: on|off. Every case leaves it off (the default
# every other case of the suite expects: veth0rtd no redirect target).
rtd_gro() { in_rtd ethtool -K "$RTD_DEV" gro "$1" >/dev/null; }

# A FORWARD-hook counter of the packets the stack routes to the backend,
# per family; rtd_fwd_count 4|6 reads it.
rtd_fwd_on()
{
	in_vm nft -f - <<-NFT
		table inet wfrtd {
			chain c {
				type filter hook forward priority 0; policy accept;
				ip daddr $RTD_IP counter
				ip6 daddr $RTD_IP6 counter
			}
		}
	NFT
}
rtd_fwd_off() { in_vm nft delete table inet wfrtd 2>/dev/null; return 0; }
rtd_fwd_count()
{
	local re="ip daddr $RTD_IP "
	[ "$1" = 6 ] && re="ip6 daddr $RTD_IP6 "
	in_vm nft list chain inet wfrtd c | grep -F "$re" | grep -oE 'packets [0-9]+' | grep -oE '[0-9]+'
}

# Native XDP frames the backend's eth0 received (XDP_REDIRECT into a veth
# arrives as XDP frames on its peer's NAPI; generic XDP's redirect and
# the stack send skbs, which these counters do not see).
rtd_xdp_rx()
{
	in_rtd ethtool -S "$RTD_DEV" | awk '$1 == "rx_queue_0_xdp_packets:" { print $2 }'
}

routed_cleanup() { rtd_gro off; rtd_fwd_off; }

# The same datagram test as frag.sh's expect_big_udp_echo, over IPv6.
expect_big_udp6_echo()
{
	local ns=$1 addr=$2 port=$3 f=$TB_TMP/big.in o=$TB_TMP/big6.out
	[ -s "$f" ] || head -c "$FRAG_BYTES" /dev/urandom > "$f"
	ip netns exec "$ns" timeout 6 socat -b 8192 -T 3 -t 1 - UDP6:"[$addr]":"$port" \
		< "$f" > "$o" 2>&1
	cmp -s "$f" "$o" ||
		fail "udp ${ns#"$TB_PREFIX-"} -> [$addr]:$port, $FRAG_BYTES bytes: got $(stat -c %s "$o") bytes back" ||
		return 1
}

# The mappings every case uses, on a fresh load in $MODE.
routed_load()
{
	fresh_load || return 1
	add tcp 4100 "$RTD_IP:80" || return 1
	add tcp @vm6:4100 "[$RTD_IP6]:80" || return 1
	add both 5202 "$RTD_IP:5201" || return 1
	add udp 7101 "$RTD_IP:7000" || return 1
	add udp @vm6:7101 "[$RTD_IP6]:7000" || return 1
}

# HTTP (5 connections per family, the backend logging the client's own
# address), the UDP echo in both families and iperf3 TCP and UDP, from
# the Windows side through the VM's mappings to the routed backend.
routed_traffic()
{
	for _ in 1 2 3 4 5; do
		expect_http_logged "$NS_WIN" "http://$VM_IP:4100/" "$HOST_IP" rtd || return 1
		expect_http_logged "$NS_WIN" "http://[$VM_IP6]:4100/" "$HOST_IP6" rtd || return 1
	done
	expect_udp_echo "$NS_WIN" "$VM_IP" 7101 || return 1
	expect_udp6_echo "$NS_WIN" "$VM_IP6" 7101 || return 1
	expect_iperf3_tcp_udp "$VM_IP" 5202 "$RTD_IP:5201"
}

# 1 s iperf3 runs from win to ADDR:PORT (forwarded to TARGET): TCP, then
# UDP at 50 Mbit/s (its control connection TCP on the same port). Each
# completes and its receiver counts data; no speed threshold, and UDP loss
# is reported, not judged (a loaded 2-core machine drops a little in the
# receiving socket on every path, the stack's included).
expect_iperf3_tcp_udp()
{
	local addr=$1 port=$2 target=$3 out line
	out=$(in_win timeout 20 iperf3 -c "$addr" -p "$port" -t 1 -f m 2>&1) ||
		fail "iperf3 -c $addr -p $port -t 1 failed: $out" || return 1
	line=$(echo "$out" | grep receiver | tail -1)
	echo "$line" | grep -qE ' [1-9][0-9.]* Mbits/sec' ||
		fail "iperf3 TCP receiver: '$line': $out" || return 1
	note "iperf3 TCP through $addr:$port -> $target: $(echo "$line" | grep -oE '[0-9.]+ Mbits/sec')"
	out=$(in_win timeout 20 iperf3 -u -b 50M -l 1400 -c "$addr" -p "$port" -t 1 -f m 2>&1) ||
		fail "iperf3 -u -c $addr -p $port -t 1 failed: $out" || return 1
	line=$(echo "$out" | grep receiver | tail -1)
	echo "$line" | grep -qE ' [1-9][0-9.]* Mbits/sec' ||
		fail "iperf3 UDP receiver: '$line': $out" || return 1
	note "iperf3 UDP through $addr:$port -> $target: $(echo "$line" | grep -oE '[0-9.]+ Mbits/sec .*[0-9]+/[0-9]+ \([0-9.]+%\)')"
}

# GRO off on the backend (a veth's default): veth0rtd takes no XDP frames,
# so no mode redirects and status says the stack routes; everything still
# arrives, through the stack (the FORWARD counter sees every request
# packet: at least 3 per HTTP connection).
routed_backend_through_the_stack()
{
	local f4 f6 rc=0
	rtd_gro off || return 1
	rtd_fwd_on || { fail "nft"; return 1; }
	routed_load || { routed_cleanup; return 1; }
	expect_rc 0 status || { routed_cleanup; return 1; }
	note "$(echo "$OUT" | grep -E '^(behind|redirect):')"
	if [ "$MODE" = tc ]; then
		echo "$OUT" | grep -q "^redirect: *none (tc mode" || fail "tc status: $OUT" || rc=1
	else
		echo "$OUT" | grep -q "^redirect: *auto: no device takes XDP frames" ||
			fail "GRO off: $VM_RTD_PORT must not be a redirect target: $OUT" || rc=1
	fi
	[ "$rc" = 0 ] && { routed_traffic || rc=1; }
	f4=$(rtd_fwd_count 4) f6=$(rtd_fwd_count 6)
	note "the stack forwarded ${f4:-?} IPv4 and ${f6:-?} IPv6 packets to the backend"
	routed_cleanup
	[ "$rc" = 0 ] || return 1
	{ [ "${f4:-0}" -ge 15 ] && [ "${f6:-0}" -ge 15 ]; } ||
		fail "GRO off: expected the stack's path for all of it (>= 15 per family)"
}

# GRO on the backend: the kernel reports veth0rtd able to take XDP frames
# (netdev xdp-features), `load` (--redirect auto) puts it in wf_redirect and
# the XDP modes send the backend's packets straight to it, first packets
# included (the neighbour is resolved): the stack's FORWARD hook sees
# next to none of them (0 measured; 10 allowed per family against the
# hundreds of thousands of the iperf3 runs), and in native XDP the frames
# reach the backend's eth0 as XDP frames. tc mode never redirects: the stack
# routes all of it.
routed_backend_redirected_to_its_veth()
{
	local f4 f6 x0 x1 rc=0
	rtd_gro on || return 1
	rtd_fwd_on || { routed_cleanup; fail "nft"; return 1; }
	routed_load || { routed_cleanup; return 1; }
	expect_rc 0 status || { routed_cleanup; return 1; }
	note "$(echo "$OUT" | grep -E '^(behind|redirect):')"
	if [ "$MODE" = tc ]; then
		echo "$OUT" | grep -q "^redirect: *none (tc mode" || fail "tc status: $OUT" || rc=1
	else
		echo "$OUT" | grep -q "^redirect: *auto: .*$VM_RTD_PORT" ||
			fail "GRO on: $VM_RTD_PORT should be a redirect target: $OUT" || rc=1
		echo "$OUT" | grep -q "^behind: *redirect (XDP_REDIRECT to .*$VM_RTD_PORT" ||
			fail "GRO on: behind should redirect to $VM_RTD_PORT: $OUT" || rc=1
	fi
	x0=$(rtd_xdp_rx)
	[ "$rc" = 0 ] && { routed_traffic || rc=1; }
	x1=$(rtd_xdp_rx)
	f4=$(rtd_fwd_count 4) f6=$(rtd_fwd_count 6)
	note "the stack forwarded ${f4:-?} IPv4 and ${f6:-?} IPv6 packets; the backend's eth0 received $((x1 - x0)) native XDP frames"
	routed_cleanup
	[ "$rc" = 0 ] || return 1
	case $MODE in
	tc)
		{ [ "${f4:-0}" -ge 15 ] && [ "${f6:-0}" -ge 15 ]; } ||
			fail "tc: expected the stack's path for all of it (>= 15 per family)" ;;
	*)
		# The stack's share: first packets only, not the flows (the
		# iperf3 transfer alone is thousands of packets).
		{ [ "${f4:-99}" -le 10 ] && [ "${f6:-99}" -le 10 ]; } ||
			fail "$MODE: the stack still forwarded ${f4:-?}/${f6:-?} packets: not redirected" ||
			return 1
		if [ "$MODE" = xdp ]; then
			[ $((x1 - x0)) -ge 100 ] ||
				fail "native XDP: only $((x1 - x0)) XDP frames at the backend's eth0" || return 1
		fi ;;
	esac
}

# 4000-byte UDP datagrams (three fragments at MTU 1500) both ways, both
# families, with the backend's veth a redirect target (GRO on): fragments
# are never redirected (design.md) but translated, the stack forwards them
# and the echo comes back whole; none dropped (fragment), none left in the
# VM's reassembly queues.
routed_udp_4000_bytes_both_ways()
{
	local t0 t1 d0 rc=0
	rtd_gro on || return 1
	routed_load || { routed_cleanup; return 1; }
	t0=$(stat_of frag_translated) d0=$(stat_of fragment)
	expect_big_udp_echo "$NS_WIN" "$VM_IP" 7101 || rc=1
	[ "$rc" = 0 ] && { expect_big_udp6_echo "$NS_WIN" "$VM_IP6" 7101 || rc=1; }
	t1=$(stat_of frag_translated)
	routed_cleanup
	[ "$rc" = 0 ] || return 1
	note "an echo of $FRAG_BYTES bytes per family; frag_translated +$((t1 - t0)), fragment drops $d0 -> $(stat_of fragment)"
	# Per echo: 2 later fragments each way, in either family.
	[ $((t1 - t0)) = 8 ] ||
		fail "frag_translated moved by $((t1 - t0)), expected 8 (2 later fragments each way)" ||
		return 1
	[ "$(stat_of fragment)" = "$d0" ] || fail "fragment drops moved" || return 1
	[ "$(vm_frag_queues)" = 0 ] ||
		fail "the VM holds $(vm_frag_queues) reassembly queues after the datagrams" || return 1
}
