# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# ICMP errors about translated flows (docs/design.md "ICMP errors"): path
# MTU discovery across a narrow middle link, port unreachable seen as
# ECONNREFUSED, TTL expiry on one-arm answered like a router.

# A client behind a router whose link to win is narrower than both ends:
#   cli (1500) -- rtr -- (1280) -- win -- vswitch -- vm
# Neither end's MSS can see the 1280: only "fragmentation needed" from win
# (about packets that left the VM translated) tells the senders.
ICMP_CLI_IP=192.168.78.2
ICMP_RTR_IP=192.168.78.1
ICMP_MID_RTR=192.168.79.2	# rtr's end of the narrow link
ICMP_MID_WIN=192.168.79.1	# win's end
ICMP_MTU=1280
NS_CLI=$TB_PREFIX-cli
NS_RTR=$TB_PREFIX-rtr

icmp_path_down()
{
	local ns
	# The case's nginx in cli was started in the case's subshell, so
	# tb_down does not know it: without the kill it outlives the run.
	for ns in "$NS_CLI" "$NS_RTR"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	ip -n "$NS_WIN" route del 192.168.78.0/24 2>/dev/null
	return 0
}

icmp_path_up()
{
	local ns
	icmp_path_down
	for ns in "$NS_CLI" "$NS_RTR"; do
		ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	done
	tb_veth "$NS_CLI" eth0 "$NS_RTR" cli0 &&
	tb_veth "$NS_RTR" mid0 "$NS_WIN" mid0 || return 1
	ip -n "$NS_CLI" addr add "$ICMP_CLI_IP/24" dev eth0
	ip -n "$NS_RTR" addr add "$ICMP_RTR_IP/24" dev cli0
	ip -n "$NS_RTR" addr add "$ICMP_MID_RTR/24" dev mid0
	ip -n "$NS_WIN" addr add "$ICMP_MID_WIN/24" dev mid0
	ip -n "$NS_RTR" link set mid0 mtu "$ICMP_MTU"
	ip -n "$NS_WIN" link set mid0 mtu "$ICMP_MTU"
	for ns in "$NS_CLI:eth0" "$NS_RTR:cli0" "$NS_RTR:mid0" "$NS_WIN:mid0"; do
		ip -n "${ns%%:*}" link set "${ns#*:}" up || return 1
		# wires, as the testbed's other switch-side senders (TESTBED.md)
		ip netns exec "${ns%%:*}" ethtool -K "${ns#*:}" tx off >/dev/null
	done
	ip -n "$NS_CLI" route add default via "$ICMP_RTR_IP" &&
	ip -n "$NS_RTR" route add default via "$ICMP_MID_WIN" &&
	ip -n "$NS_WIN" route add 192.168.78.0/24 via "$ICMP_MID_RTR" || return 1
	in_rtr sysctl -qw net.ipv4.ip_forward=1
	tb_wait_ping "$NS_CLI" "$VM_IP" >/dev/null ||
		{ fail "cli cannot reach $VM_IP through rtr and win"; return 1; }
	note "path cli $ICMP_CLI_IP -> rtr -> (mtu $ICMP_MTU) -> win -> vm up"
}

in_cli() { ip netns exec "$NS_CLI" "$@"; }
in_rtr() { ip netns exec "$NS_RTR" "$@"; }

# An nginx in NS on PORT serving $TB_TMP/icmp-www (a random file "big") and
# storing PUTs under it.
icmp_nginx()
{
	tb_nginx "$1" "$2" "icmp-$1-$2" "listen $2 reuseport;
		root $TB_TMP/icmp-www;
		client_max_body_size 0;
		location /up/ { dav_methods PUT; create_full_put_path on; }"
}

icmp_stat()
{
	wslfwd -j stats 2>/dev/null | grep -oE "\"$1\"[[:space:]]*:[[:space:]]*[0-9]+" |
		grep -oE '[0-9]+$' | head -1
}

# Forget every learned path MTU on the path (a write to route/flush also
# invalidates the PMTU exceptions: fnhe_genid_bump), so each transfer has
# the 1280 to discover, and a sender that knows it advertises no small MSS.
icmp_flush_pmtu()
{
	local ns
	# shellcheck disable=SC2153 # NS_CTR is the testbed's, not a typo of NS_RTR
	for ns in "$NS_CLI" "$NS_RTR" "$NS_WIN" "$NS_VM" "$NS_CTR" "$NS_LAN"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.route.flush=1
	done
}

# Has NS learned the narrow link's MTU towards PEER?
icmp_learned()
{
	local out
	out=$(ip -n "$2" route get "$3" 2>&1)
	[[ "$out" == *"mtu $ICMP_MTU"* ]] ||
		{ fail "$1: ${2#"$TB_PREFIX-"} did not learn the path MTU: route get $3: $out"; return 1; }
}

# Download and upload $ICMP_SIZE bytes from client CLI_NS through
# VM_IP:LPORT; after the transfer WHEN (down|up) LEARN_NS must know the
# path MTU towards PEER (the sender whose packets crossed the narrow link
# translated: the server towards the client or @vm, or the client towards
# @vm). Sets
# ICMP_TIMES to "down S s, up S s".
icmp_transfer()
{
	local what=$1 cli_ns=$2 lport=$3 srv_ns=$4 peer=$5 when=$6 t0 t1 t2 out sum
	icmp_flush_pmtu
	rm -f "$TB_TMP/icmp-got" "$TB_TMP/icmp-www/up/$what"
	t0=$(date +%s.%N)
	out=$(ip netns exec "$cli_ns" curl -sS --noproxy '*' --connect-timeout 3 --max-time 30 \
		-o "$TB_TMP/icmp-got" "http://$VM_IP:$lport/big" 2>&1) ||
		{ fail "$what: download of $ICMP_SIZE bytes from $VM_IP:$lport: $out"; return 1; }
	t1=$(date +%s.%N)
	sum=$(sha256sum < "$TB_TMP/icmp-got")
	[ "$sum" = "$ICMP_SUM" ] || { fail "$what: downloaded file differs"; return 1; }
	[ "$when" = down ] && { icmp_learned "$what" "$srv_ns" "$peer" || return 1; }
	# Else a server that learned the 1280 downloading (onearm-far's, from
	# rtr) advertises a small MSS and the upload has nothing to discover.
	icmp_flush_pmtu
	t1=$(date +%s.%N)
	out=$(ip netns exec "$cli_ns" curl -sS --noproxy '*' --connect-timeout 3 --max-time 30 \
		-T "$TB_TMP/icmp-www/big" "http://$VM_IP:$lport/up/$what" 2>&1) ||
		{ fail "$what: upload to $VM_IP:$lport: $out"; return 1; }
	t2=$(date +%s.%N)
	sum=$(sha256sum < "$TB_TMP/icmp-www/up/$what" 2>/dev/null)
	[ "$sum" = "$ICMP_SUM" ] || { fail "$what: uploaded file differs"; return 1; }
	[ "$when" = up ] && { icmp_learned "$what" "$srv_ns" "$peer" || return 1; }
	ICMP_TIMES="down $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s, up $(
		awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }') s"
}

# "name client-ns lport tport server-ns target learn-ns peer when" per kind. The
# first three: downloads cross the narrow link translated, win's errors
# are about the server's packets. onearm-far: a one-arm target beyond the
# narrow link (cli's nginx, reached through @host), a client on the LAN:
# uploads cross it translated (from @vm:SNATPORT), win's errors are about
# the client's packets and must reach it.
icmp_kinds()
{
	echo "local $NS_CLI 8091 18091 $NS_VM @vm $NS_VM $ICMP_CLI_IP down"
	echo "behind $NS_CLI 8092 8092 $NS_CTR $CTR_IP $NS_CTR $ICMP_CLI_IP down"
	echo "onearm $NS_CLI 8093 8093 $NS_WIN @host $NS_WIN $VM_IP down"
	echo "onearm-far $NS_LAN 8094 8094 $NS_CLI $ICMP_CLI_IP $NS_LAN $VM_IP up"
}

# A 4 MB download and upload through each target kind across a middle link
# narrower than both ends: path MTU discovery must work through the
# translation (the senders' routes learn 1280), as it does with nftables
# DNAT (and masquerade for one-arm) on the same path, whose times are shown.
pmtu_download_and_upload_through_every_kind()
{
	local name cns lport tport ns target lns peer when before after nft_ok=1
	local -a res=()
	trap icmp_path_down EXIT
	icmp_path_up || return 1
	mkdir -p "$TB_TMP/icmp-www/up"
	head -c 4194304 /dev/urandom > "$TB_TMP/icmp-www/big"
	ICMP_SIZE=4194304
	ICMP_SUM=$(sha256sum < "$TB_TMP/icmp-www/big")
	while read -r -u 3 name cns lport tport ns target lns peer when; do
		icmp_nginx "$ns" "$tport" || return 1
	done 3< <(icmp_kinds)

	fresh_load || return 1
	while read -r -u 3 name cns lport tport ns target lns peer when; do
		add tcp "$lport" "$target:$tport" || return 1
	done 3< <(icmp_kinds)
	before=$(icmp_stat icmp_translated)
	while read -r -u 3 name cns lport tport ns target lns peer when; do
		icmp_transfer "$name" "$cns" "$lport" "$lns" "$peer" "$when" || return 1
		res[${#res[@]}]="$name: wslfwd $ICMP_TIMES"
	done 3< <(icmp_kinds)
	after=$(icmp_stat icmp_translated)
	[ "${after:-0}" -gt "${before:-0}" ] ||
		{ fail "icmp_translated did not move (${before:-?} -> ${after:-?})"; return 1; }
	note "icmp_translated +$((after - before)); every sender learned mtu $ICMP_MTU"

	# The same path with nftables instead (bench/bench.sh's rules).
	wslfwd unload >/dev/null 2>&1
	if ! command -v nft >/dev/null; then
		fail "nft not installed (make deps): nothing to compare with"
		return 1
	fi
	{
		echo "table ip wficmp {"
		echo "	chain pre { type nat hook prerouting priority dstnat; policy accept;"
		echo "		iifname \"$VM_DEV\" ip daddr $VM_IP tcp dport 8091 dnat to $VM_IP:18091"
		echo "		iifname \"$VM_DEV\" ip daddr $VM_IP tcp dport 8092 dnat to $CTR_IP:8092"
		echo "		iifname \"$VM_DEV\" ip daddr $VM_IP tcp dport 8093 dnat to $HOST_IP:8093"
		echo "		iifname \"$VM_DEV\" ip daddr $VM_IP tcp dport 8094 dnat to $ICMP_CLI_IP:8094"
		echo "	}"
		echo "	chain post { type nat hook postrouting priority srcnat; policy accept;"
		echo "		oifname \"$VM_DEV\" ip daddr $HOST_IP tcp dport 8093 masquerade"
		echo "		oifname \"$VM_DEV\" ip daddr $ICMP_CLI_IP tcp dport 8094 masquerade"
		echo "	}"
		echo "}"
	} | in_vm nft -f - || { fail "nft rules refused"; return 1; }
	while read -r -u 3 name cns lport tport ns target lns peer when; do
		if icmp_transfer "$name" "$cns" "$lport" "$lns" "$peer" "$when"; then
			res[${#res[@]}]="$name: nftables $ICMP_TIMES"
		else
			nft_ok=0
		fi
	done 3< <(icmp_kinds)
	in_vm nft delete table ip wficmp
	printf '%s\n' "${res[@]}"
	[ "$nft_ok" = 1 ] || { fail "the nftables comparison failed on the same path"; return 1; }
}

# UDP to a mapped port whose target has no listener: the target's port
# unreachable, translated back, makes the client's connected socket see
# ECONNREFUSED, for each kind.
udp_to_mapped_port_without_listener_is_refused()
{
	local lport target out before after
	fresh_load || return 1
	add udp 7091 @vm:17091 || return 1
	add udp 7092 "$CTR_IP:17092" || return 1
	add udp 7093 @host:17093 || return 1
	before=$(icmp_stat icmp_translated)
	for lport in 7091 7092 7093; do
		out=$(echo ping | in_lan timeout 5 socat -t 2 -T 3 - UDP4:"$VM_IP":"$lport" 2>&1)
		[[ "$out" == *"Connection refused"* ]] ||
			{ fail "udp lan -> $VM_IP:$lport: expected ECONNREFUSED, got: '$out'"; return 1; }
		note "udp lan -> $VM_IP:$lport: $(echo "$out" | grep -o 'Connection refused' | head -1)"
	done
	after=$(icmp_stat icmp_translated)
	[ "$((after - before))" -ge 3 ] ||
		{ fail "icmp_translated moved by $((after - before)), expected 3"; return 1; }
}

# A one-arm packet that reaches the VM with TTL 1 is answered like a router
# would: time exceeded from @vm, so the client's connect() fails at once
# with EHOSTUNREACH instead of timing out (win takes one off the TTL of 2).
one_arm_ttl_expiry_answered_like_a_router()
{
	local out before after t0 t1
	fresh_load || return 1
	add tcp 5001 @host:5432 || return 1
	before=$(icmp_stat icmp_ttl_sent)
	t0=$(date +%s)
	out=$(in_lan timeout 10 socat -T 2 - TCP4:"$VM_IP":5001,ttl=2,connect-timeout=8 \
		</dev/null 2>&1)
	t1=$(date +%s)
	[[ "$out" == *"No route to host"* ]] ||
		{ fail "connect with TTL 2: expected EHOSTUNREACH, got: '$out'"; return 1; }
	after=$(icmp_stat icmp_ttl_sent)
	[ "$((after - before))" -ge 1 ] || { fail "icmp_ttl_sent did not move"; return 1; }
	note "connect with TTL 2 refused in $((t1 - t0)) s: No route to host; icmp_ttl_sent +$((after - before))"
	expect_http "$NS_LAN" "http://$VM_IP:5001/" "$VM_IP"
}

# An absolute counter of the lan ns (nstat's name).
lan_nstat() { in_lan nstat -az "$1" 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'; }

# The same over IPv6 (icmp6.h icmp_ttl_reply6): a one-arm packet reaching
# the VM with hop limit 1 is answered with an ICMPv6 time exceeded from
# @vm6 quoting it, so the client's connect() fails with EHOSTUNREACH
# instead of timing out (win takes one off the hop limit of 2). The lan
# client's stack takes the answers as valid time exceeded messages
# (Icmp6InTimeExcds, no Icmp6InCsumErrors). On this testbed the first
# answer reaches the client while its connect() still holds the socket
# (veth delivers in the sender's softirq: TcpExtLockDroppedIcmps), so the
# connection fails on the retransmitted SYN's, after a second. A connection
# with the default hop limit still goes through.
one_arm_hop_limit_expiry_answered_over_ipv6()
{
	local out before after t0 t1 te0 te1 cs0 cs1
	fresh_load || return 1
	add tcp "@vm6:5011" "@host6:18082" || return 1
	before=$(icmp_stat icmp_ttl_sent)
	te0=$(lan_nstat Icmp6InTimeExcds) cs0=$(lan_nstat Icmp6InCsumErrors)
	t0=$(date +%s)
	out=$(in_lan timeout 10 /usr/bin/python3 -c '
import errno, socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 2)
s.settimeout(8)
try:
	s.connect((sys.argv[1], int(sys.argv[2])))
	print("connected")
except socket.timeout:
	print("timeout")
except OSError as e:
	print(errno.errorcode.get(e.errno, e.errno))
' "$VM_IP6" 5011 2>&1)
	t1=$(date +%s)
	[ "$out" = EHOSTUNREACH ] ||
		{ fail "connect with hop limit 2: expected EHOSTUNREACH, got: '$out'"; return 1; }
	[ "$((t1 - t0))" -le 4 ] || { fail "EHOSTUNREACH only after $((t1 - t0)) s"; return 1; }
	after=$(icmp_stat icmp_ttl_sent)
	[ "$((after - before))" -ge 1 ] || { fail "icmp_ttl_sent did not move"; return 1; }
	te1=$(lan_nstat Icmp6InTimeExcds) cs1=$(lan_nstat Icmp6InCsumErrors)
	if [ "$((te1 - te0))" -lt 1 ] || [ "$((cs1 - cs0))" != 0 ]; then
		fail "lan took $((te1 - te0)) time exceeded, $((cs1 - cs0)) checksum errors"
		return 1
	fi
	note "connect with hop limit 2 refused in $((t1 - t0)) s: EHOSTUNREACH; icmp_ttl_sent +$((after - before)), lan Icmp6InTimeExcds +$((te1 - te0))"
	expect_http_snat "$NS_LAN" "http://[$VM_IP6]:5011/" "$VM_IP6"
}
