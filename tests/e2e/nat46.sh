# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# v4tov6 and v6tov4 (issue 13 slice 4): real clients across the testbed's
# namespaces, through the translation, to each target kind.
#
# The mappings are the CLI's words: `add PROTO @vm6:P IPv4TARGET` (v6tov4),
# `add PROTO P [IPv6]:T` or `@vm6:T`/`@host6:T` (v4tov6).

N46_WIN6=$HOST_IP6
N46_VM6=$VM_IP6
N46_CTR6=$CTR_IP6
# The source v4tov6 LOCAL/BEHIND connections get (RFC 6052): the client
# 172.22.16.1 in 64:ff9b::/96, as nginx prints it.
N46_WIN_IN_PREFIX=64:ff9b::ac16:1001

# Servers on IPv6 (start_servers): HTTP on win (one-arm target), on the
# container and on the VM, each printing the client address it sees, and
# UDP echoes on 7006.
nat46_servers()
{
	tb_http_server "$NS_WIN" 15432 win6 "::" &&
	tb_http_server "$NS_CTR" 8080 ctr6 "::" &&
	tb_http_server "$NS_VM" 18086 vm6 "::" &&
	nat46_udp6_echo "$NS_WIN" 7006 &&
	nat46_udp6_echo "$NS_CTR" 7006 &&
	nat46_udp6_echo "$NS_VM" 7006
}

# An IPv6-only UDP echo: IPv4 datagrams to the port must not reach it.
nat46_udp6_echo()
{
	local ns=$1 port=$2
	tb_bg ip netns exec "$ns" socat -T 10 UDP6-LISTEN:"$port",fork,reuseaddr,ipv6only=1 PIPE
	tb_wait_listen "$ns" udp "$port" -6
}

# IPv6 on the switch and docker0, routes both ways, forwarding in the VM:
# the testbed's own since it has IPv6 (kept, idempotent, for the routes
# the translation needs). Every case calls it.
nat46_net()
{
	ip -n "$NS_WIN" addr replace "$N46_WIN6/64" dev vswitch nodad
	ip -n "$NS_VM" addr replace "$N46_VM6/64" dev "$VM_DEV" nodad
	ip -n "$NS_VM" addr replace fd00:17::1/64 dev docker0 nodad
	ip -n "$NS_CTR" addr replace "$N46_CTR6/64" dev "$CTR_DEV" nodad
	ip -n "$NS_VM" -6 route replace default via "$N46_WIN6" dev "$VM_DEV"
	ip -n "$NS_CTR" -6 route replace default via fd00:17::1
	ip -n "$NS_WIN" -6 route replace fd00:17::/64 via "$N46_VM6"
	in_vm sysctl -qw net.ipv6.conf.all.forwarding=1
	# one-arm targets need a resolved neighbour (the CLI primes IPv4 ones)
	in_vm ping -6 -c1 -W2 "$N46_WIN6" >/dev/null 2>&1
	in_win ping -6 -c1 -W2 "$N46_VM6" >/dev/null 2>&1
	in_vm ping -c1 -W2 "$HOST_IP" >/dev/null 2>&1
	return 0
}

nat46_load()
{
	fresh_load || return 1
	nat46_net
}


# v6tov4 to @host (one-arm, SNAT to @vm): an IPv6 client on the switch
# reaches the Windows host's IPv4 service; it sees @vm's IPv4 address.
v6tov4_one_arm_tcp_udp()
{
	nat46_load || return 1
	add tcp "@vm6:5000" @host:5432 || return 1
	add udp "@vm6:5000" @host:7000 || return 1
	expect_http "$NS_WIN" "http://[$N46_VM6]:5000/" "$VM_IP" || return 1
	expect_udp6_echo "$NS_WIN" "$N46_VM6" 5000 || return 1
}

# v6tov4 to a container (BEHIND) and to the VM's own IPv4 socket (LOCAL):
# the translated packet's source is @host (replies must leave through
# IFACE, where tc egress translates them back), so that is what the server
# sees.
v6tov4_behind_and_local_tcp_udp()
{
	nat46_load || return 1
	add tcp "@vm6:5001" "$CTR_IP:80" || return 1
	add udp "@vm6:5001" "$CTR_IP:7000" || return 1
	add tcp "@vm6:5002" @vm:18080 || return 1
	add udp "@vm6:5002" @vm:7000 || return 1
	expect_http "$NS_WIN" "http://[$N46_VM6]:5001/" "$HOST_IP" || return 1
	expect_udp6_echo "$NS_WIN" "$N46_VM6" 5001 || return 1
	expect_http "$NS_WIN" "http://[$N46_VM6]:5002/" "$HOST_IP" || return 1
	expect_udp6_echo "$NS_WIN" "$N46_VM6" 5002 || return 1
}

# A bulk TCP transfer each way to the container's iperf3 (dual-stack):
# segmentation (GSO sizes across the 20-byte change), checksums and the
# established path of both directions. Full-size segments fit: each side's
# MSS comes from its own MTU, and the IPv6 side's is the smaller.
nat46_iperf3()
{
	local addr=$1 port=$2 target=$3 out rcv r
	# upload (the client's packets carry the data), then download (-R)
	for r in "" -R; do
		out=$(in_win timeout 20 iperf3 -c "$addr" -p "$port" -t 2 -f m $r 2>&1) ||
			fail "iperf3 -c $addr -p $port $r failed: $out" || return 1
		rcv=$(echo "$out" |
			awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i+1) == "Mbits/sec") print $i }')
		awk -v r="${rcv:-0}" 'BEGIN { exit !(r > 0) }' ||
			fail "iperf3 $r receiver throughput '${rcv:-none}': $out" || return 1
		note "iperf3 $r $addr:$port -> $target: $rcv Mbit/s at the receiver"
	done
}

nat46_iperf3_through_container()
{
	nat46_load || return 1
	add tcp "@vm6:5201" "$CTR_IP:5201" || return 1
	add tcp 5202 "[$N46_CTR6]:5201" || return 1
	nat46_iperf3 "$N46_VM6" 5201 "$CTR_IP:5201" || return 1
	nat46_iperf3 "$VM_IP" 5202 "[$N46_CTR6]:5201" || return 1
}

# v4tov6 to an IPv6 service on the switch (one-arm, SNAT to @vm6).
v4tov6_one_arm_tcp_udp()
{
	nat46_load || return 1
	add tcp 5010 "[$N46_WIN6]:15432" || return 1
	add udp 5010 "[$N46_WIN6]:7006" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:5010/" "$N46_VM6" || return 1
	expect_udp_echo "$NS_WIN" "$VM_IP" 5010 || return 1
}

# v4tov6 to the container's and the VM's IPv6 sockets: the source is the
# client in 64:ff9b::/96.
v4tov6_behind_and_local_tcp_udp()
{
	nat46_load || return 1
	add tcp 5011 "[$N46_CTR6]:8080" || return 1
	add udp 5011 "[$N46_CTR6]:7006" || return 1
	add tcp 5012 "@vm6:18086" || return 1
	add udp 5012 "@vm6:7006" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:5011/" "$N46_WIN_IN_PREFIX" || return 1
	expect_udp_echo "$NS_WIN" "$VM_IP" 5011 || return 1
	expect_http "$NS_WIN" "http://$VM_IP:5012/" "$N46_WIN_IN_PREFIX" || return 1
	expect_udp_echo "$NS_WIN" "$VM_IP" 5012 || return 1
}

# GET http://ADDR:PORT/ from NS with a Python client whose socket carries
# an IPv6 destination options header (v6) or IPv4 options (NOPs, v4) on
# every packet; prints the body.
nat46_http_with_options()
{
	local ns=$1 fam=$2 addr=$3 port=$4
	ip netns exec "$ns" timeout 5 python3 - "$fam" "$addr" "$port" <<'PY'
import socket, sys
fam, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
if fam == "6":
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    # 8 bytes: next header, length 0, PadN of 4
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_DSTOPTS, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, bytes([1, 1, 1, 0]))
s.settimeout(3)
s.connect((addr, port))
s.sendall(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
r = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    r += d
print(r.split(b"\r\n\r\n", 1)[-1].decode().strip())
PY
}

# IPv6 extension headers are left out of the IPv4 packet, IPv4 options out
# of the IPv6 one (RFC 7915): a whole HTTP exchange each way, every client
# packet carrying them.
nat46_options_and_extension_headers_left_out()
{
	local body
	nat46_load || return 1
	add tcp "@vm6:5020" "$CTR_IP:80" || return 1
	add tcp 5021 "[$N46_CTR6]:8080" || return 1
	body=$(nat46_http_with_options "$NS_WIN" 6 "$N46_VM6" 5020 2>&1)
	[ "$body" = "peer=$HOST_IP" ] ||
		fail "v6tov4 with a destination options header: '$body'" || return 1
	note "v6tov4 with a destination options header: $body"
	body=$(nat46_http_with_options "$NS_WIN" 4 "$VM_IP" 5021 2>&1)
	[ "$body" = "peer=$N46_WIN_IN_PREFIX" ] ||
		fail "v4tov6 with IPv4 options: '$body'" || return 1
	note "v4tov6 with IPv4 options: $body"
	wslfwd stats | grep -E "ip_options" | sed 's/^/stats: /'
}

# A UDP datagram from NS to ADDR:PORT with checksum 0 (SO_NO_CHECK): prints
# the echo, or nothing.
nat46_udp_nocsum()
{
	local ns=$1 addr=$2 port=$3
	ip netns exec "$ns" timeout 5 python3 - "$addr" "$port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 11, 1)	# SO_NO_CHECK: send checksum 0
s.settimeout(2)
s.sendto(b"nocsum", (sys.argv[1], int(sys.argv[2])))
try:
    print(s.recvfrom(100)[0].decode())
except socket.timeout:
    pass
PY
}

# An IPv4 UDP datagram without checksum becomes IPv6, where 0 is invalid:
# the checksum is computed, in XDP (ctx_l4_csum_fill) and in tc
# (xlate_udp_csum_skb), one-arm and behind (design.md "v4tov6 and
# v6tov4"); the IPv6 echo would drop a datagram with a wrong one.
v4tov6_udp_without_checksum()
{
	local got p
	nat46_load || return 1
	add udp 5030 "[$N46_WIN6]:7006" || return 1
	add udp 5031 "[$N46_CTR6]:7006" || return 1
	for p in 5030 5031; do
		got=$(nat46_udp_nocsum "$NS_WIN" "$VM_IP" $p 2>&1)
		[ "$got" = nocsum ] ||
			fail "udp without checksum to $p: echo '$got', expected 'nocsum'" || return 1
		note "udp without checksum -> $VM_IP:$p: '${got}'"
	done
	! wslfwd stats | grep -q "udp6_zero_csum" ||
		fail "udp6_zero_csum counted: $(wslfwd stats)" || return 1
}

# A connected UDP socket in NS sends to ADDR:PORT (family 4 or 6) and
# reads: prints "refused" when an ICMP port unreachable of its own family
# came back (ECONNREFUSED), else what it got.
nat46_udp_refused()
{
	local ns=$1 fam=$2 addr=$3 port=$4
	ip netns exec "$ns" timeout 5 python3 - "$fam" "$addr" "$port" <<'PY'
import socket, sys
fam, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET6 if fam == "6" else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((addr, port))
s.send(b"anyone?")
try:
    print("answer:", s.recv(100))
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")
PY
}

# UDP to a mapped port whose target (of the other family) has no
# listener: the target's port unreachable, ICMPv6 for v4tov6 and ICMPv4
# for v6tov4, is translated into the client's family (RFC 7915 4.2/5.2)
# with the quote written back to what the client sent, so its connected
# socket sees ECONNREFUSED, for each target kind and both directions.
nat46_udp_without_listener_is_refused()
{
	local spec fam addr lport target got before after n=0
	nat46_load || return 1
	before=$(icmp_stat icmp_translated)
	for spec in "4 $VM_IP 5040 [$N46_WIN6]:17040" "4 $VM_IP 5041 [$N46_CTR6]:17041" \
		"4 $VM_IP 5042 @vm6:17042" "6 $N46_VM6 5043 @host:17043" \
		"6 $N46_VM6 5044 $CTR_IP:17044" "6 $N46_VM6 5045 @vm:17045"; do
		read -r fam addr lport target <<< "$spec"
		if [ "$fam" = 4 ]; then
			add udp "$lport" "$target" || return 1
		else
			add udp "@vm6:$lport" "$target" || return 1
		fi
		got=$(nat46_udp_refused "$NS_WIN" "$fam" "$addr" "$lport" 2>&1)
		[ "$got" = refused ] ||
			fail "udp IPv$fam -> $addr:$lport -> $target: expected ECONNREFUSED, got '$got'" ||
			return 1
		note "udp IPv$fam -> $addr:$lport -> $target: $got"
		n=$((n + 1))
	done
	after=$(icmp_stat icmp_translated)
	[ "$((after - before))" -ge "$n" ] ||
		fail "icmp_translated moved by $((after - before)), expected $n" || return 1
	note "icmp_translated +$((after - before))"
}

# icmp.sh's path (cli -- rtr -- (1280) -- win) with IPv6 too, for targets
# beyond the narrow link of either family.
N46_CLI6=fd00:78::2
N46_RTR6=fd00:78::1
N46_MID_RTR6=fd00:79::2
N46_MID_WIN6=fd00:79::1

# Forget the path MTUs the namespaces learned, both families: a later case
# must not meet this one's 1280 (IPv6's cached as route exceptions).
nat46_flush_pmtu()
{
	local ns
	icmp_flush_pmtu
	for ns in "$NS_CLI" "$NS_RTR" "$NS_WIN" "$NS_VM" "$NS_CTR" "$NS_LAN"; do
		ip -n "$ns" -6 route flush cache 2>/dev/null
	done
	return 0
}

nat46_path_down()
{
	ip -n "$NS_WIN" -6 route del fd00:78::/64 2>/dev/null
	ip netns exec "$NS_WIN" sysctl -qw net.ipv6.conf.all.forwarding=0 2>/dev/null
	nat46_flush_pmtu
	icmp_path_down
}

nat46_path_up()
{
	icmp_path_up || return 1
	ip -n "$NS_CLI" addr add "$N46_CLI6/64" dev eth0 nodad &&
	ip -n "$NS_RTR" addr add "$N46_RTR6/64" dev cli0 nodad &&
	ip -n "$NS_RTR" addr add "$N46_MID_RTR6/64" dev mid0 nodad &&
	ip -n "$NS_WIN" addr add "$N46_MID_WIN6/64" dev mid0 nodad &&
	ip -n "$NS_CLI" -6 route add default via "$N46_RTR6" &&
	ip -n "$NS_RTR" -6 route add default via "$N46_MID_WIN6" &&
	ip -n "$NS_WIN" -6 route replace fd00:78::/64 via "$N46_MID_RTR6" || return 1
	in_rtr sysctl -qw net.ipv6.conf.all.forwarding=1
	ip netns exec "$NS_WIN" sysctl -qw net.ipv6.conf.all.forwarding=1
	tb_wait_ping "$NS_CLI" "$N46_VM6" >/dev/null ||
		{ fail "cli cannot reach $N46_VM6 through rtr and win"; return 1; }
}

# Upload $TB_TMP/icmp-www/big from NS with curl to URL (stored as NAME).
nat46_upload()
{
	local ns=$1 url=$2 name=$3 out
	rm -f "$TB_TMP/icmp-www/up/$name"
	out=$(ip netns exec "$ns" curl -sS --noproxy '*' --connect-timeout 3 --max-time 30 \
		-T "$TB_TMP/icmp-www/big" "$url/up/$name" 2>&1) ||
		fail "upload to $url: $out" || return 1
	[ "$(sha256sum < "$TB_TMP/icmp-www/up/$name" 2>/dev/null)" = "$ICMP_SUM" ] ||
		fail "upload to $url: the stored file differs" || return 1
}

# Path MTU discovery through the translation: a 4 MB upload to a one-arm
# target beyond a link narrower than both ends, each way. v4tov6: win's
# ICMPv6 packet too big (1280) about our IPv6 packet must reach the IPv4
# client as "fragmentation needed" with 1260; v6tov4: win's
# "fragmentation needed" (1280) about our IPv4 packet, which carries DF,
# the IPv6 client as packet too big with 1300.
nat46_pmtu_across_a_narrow_link()
{
	local out before after
	trap nat46_path_down EXIT
	nat46_path_up || return 1
	mkdir -p "$TB_TMP/icmp-www/up"
	head -c 4194304 /dev/urandom > "$TB_TMP/icmp-www/big"
	ICMP_SUM=$(sha256sum < "$TB_TMP/icmp-www/big")
	tb_nginx "$NS_CLI" 8095 "n46-cli-8095" "$(tb_nginx_listen 8095)
		root $TB_TMP/icmp-www;
		client_max_body_size 0;
		location /up/ { dav_methods PUT; create_full_put_path on; }" || return 1
	nat46_load || return 1
	add tcp 5050 "[$N46_CLI6]:8095" || return 1
	add tcp "@vm6:5051" "$ICMP_CLI_IP:8095" || return 1
	nat46_flush_pmtu
	before=$(icmp_stat icmp_translated)

	nat46_upload "$NS_LAN" "http://$VM_IP:5050" v4tov6 || return 1
	out=$(ip -n "$NS_LAN" route get "$VM_IP" 2>&1)
	[[ "$out" == *"mtu $((ICMP_MTU - 20))"* ]] ||
		fail "v4tov6: the IPv4 client did not learn $((ICMP_MTU - 20)): $out" || return 1
	note "v4tov6 upload: lan learned $(echo "$out" | grep -o 'mtu [0-9]*') towards $VM_IP"

	nat46_upload "$NS_WIN" "http://[$N46_VM6]:5051" v6tov4 || return 1
	out=$(ip -n "$NS_WIN" -6 route get "$N46_VM6" 2>&1)
	[[ "$out" == *"mtu $((ICMP_MTU + 20))"* ]] ||
		fail "v6tov4: the IPv6 client did not learn $((ICMP_MTU + 20)): $out" || return 1
	note "v6tov4 upload: win learned $(echo "$out" | grep -o 'mtu [0-9]*') towards $N46_VM6"
	after=$(icmp_stat icmp_translated)
	[ "${after:-0}" -gt "${before:-0}" ] ||
		fail "icmp_translated did not move (${before:-?} -> ${after:-?})" || return 1
	note "icmp_translated +$((after - before))"
}

# An IPv4 UDP socket in NS with path MTU discovery on (DF) sends SIZE
# bytes to ADDR:PORT, then reads the path MTU its stack learned; then
# sends SMALL bytes and waits for the echo. Prints "mtu N echo M".
nat46_udp_pmtu()
{
	local ns=$1 addr=$2 port=$3 size=$4 small=$5
	ip netns exec "$ns" timeout 8 python3 - "$addr" "$port" "$size" "$small" <<'PY'
import socket, sys, time
addr, port, size, small = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
IP_MTU_DISCOVER, IP_PMTUDISC_DO, IP_MTU = 10, 2, 14
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
s.settimeout(2)
s.connect((addr, port))
s.send(b"x" * size)
mtu = 0
for _ in range(20):
    time.sleep(0.1)
    mtu = s.getsockopt(socket.IPPROTO_IP, IP_MTU)
    if mtu < 1500:
        break
got = 0
for _ in range(2):
    try:
        s.send(b"y" * small)
        got = len(s.recv(4096))
        break
    except socket.timeout:
        break
    except OSError:
        pass	# the ICMP error, reported once (EMSGSIZE)
print("mtu %d echo %d" % (mtu, got))
PY
}

# A datagram that the 20 bytes of IPv6 make bigger than IFACE's MTU on a
# v4tov6 one-arm path: with DF its sender gets "fragmentation needed"
# with the MTU that fits (1480) from @vm, as a router would
# (icmp_mtu_sent), and a datagram of that size then goes through.
nat46_oversized_v4tov6_answered_frag_needed()
{
	local got before after
	nat46_load || return 1
	nat46_flush_pmtu
	add udp 5052 "[$N46_WIN6]:7006" || return 1
	before=$(icmp_stat icmp_mtu_sent)
	got=$(nat46_udp_pmtu "$NS_WIN" "$VM_IP" 5052 1472 1452 2>&1)
	[ "$got" = "mtu 1480 echo 1452" ] ||
		fail "udp 1500-byte datagram with DF: '$got', expected 'mtu 1480 echo 1452'" ||
		return 1
	note "v4tov6 udp with DF: $got"
	after=$(icmp_stat icmp_mtu_sent)
	[ "${after:-0}" -gt "${before:-0}" ] ||
		fail "icmp_mtu_sent did not move (${before:-?} -> ${after:-?})" || return 1
	note "icmp_mtu_sent +$((${after:-0} - ${before:-0}))"
}

# A UDP datagram of SIZE bytes from NS to ADDR:PORT (family 4 or 6),
# fragmented by the sender's stack; prints the length of the echo when it
# is the same bytes, else what came back.
nat46_udp_big()
{
	local ns=$1 fam=$2 addr=$3 port=$4 size=$5
	ip netns exec "$ns" timeout 5 python3 - "$fam" "$addr" "$port" "$size" <<'PY'
import os, socket, sys
fam, addr, port, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_INET6 if fam == "6" else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
msg = os.urandom(size)
s.sendto(msg, (addr, port))
try:
    d = s.recvfrom(65535)[0]
    print(len(d) if d == msg else "different %d bytes" % len(d))
except socket.timeout:
    print("timeout")
PY
}

nat46_frag_down()
{
	ip -n "$NS_WIN" route del "$VM_IP/32" 2>/dev/null
	nat46_flush_pmtu
}

# Fragments of translated flows: a 3000-byte UDP datagram each way, both
# mappings, one-arm, fragmented by the senders' stacks, reassembled by the
# receivers'. win's route to @vm has an MTU of 1400, so that IPv4
# fragments still fit eth0's 1500 as IPv6 (a fragment header and 20 bytes
# more: RFC 7915's refragmentation is not done, `xlate_mtu`).
nat46_fragments_translated_both_ways()
{
	local got before after
	trap nat46_frag_down EXIT
	nat46_load || return 1
	ip -n "$NS_WIN" route replace "$VM_IP/32" dev vswitch mtu lock 1400 || return 1
	nat46_flush_pmtu
	add udp 5054 "[$N46_WIN6]:7006" || return 1
	add udp "@vm6:5055" @host:7000 || return 1
	before=$(icmp_stat frag_translated)
	got=$(nat46_udp_big "$NS_WIN" 4 "$VM_IP" 5054 3000 2>&1)
	[ "$got" = 3000 ] || fail "v4tov6 3000-byte datagram: echo '$got'" || return 1
	note "v4tov6 3000 bytes in fragments: echoed $got"
	got=$(nat46_udp_big "$NS_WIN" 6 "$N46_VM6" 5055 3000 2>&1)
	[ "$got" = 3000 ] || fail "v6tov4 3000-byte datagram: echo '$got'" || return 1
	note "v6tov4 3000 bytes in fragments: echoed $got"
	after=$(icmp_stat frag_translated)
	[ "$((${after:-0} - ${before:-0}))" -ge 4 ] ||
		fail "frag_translated moved by $((${after:-0} - ${before:-0})), expected 4" || return 1
	note "frag_translated +$((${after:-0} - ${before:-0}))"
}

# `conns` shows each side of a translated connection in its own family:
# the IPv4 tuple as IPv4 (not ::ffff:a.b.c.d), and the line (-j: xlate)
# says which way it was translated.
nat46_conns_show_the_ipv4_side_as_ipv4()
{
	local out
	nat46_load || return 1
	add tcp "@vm6:5040" @host:5432 || return 1
	add tcp 5041 "[$N46_WIN6]:15432" || return 1
	# curl's connections, just closed: the closing timeout keeps them
	expect_http "$NS_WIN" "http://[$N46_VM6]:5040/" "$VM_IP" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:5041/" "$N46_VM6" || return 1
	expect_rc 0 conns || return 1
	out=$OUT
	grep -qE "src=$N46_WIN6 dst=$N46_VM6 sport=[0-9]+ dport=5040 src=$HOST_IP dst=$VM_IP sport=5432 dport=[0-9]+ .*\[v6tov4\]$" <<< "$out" ||
		fail "conns has no v6tov4 line with its reply in IPv4: $out" || return 1
	grep -qE "src=$HOST_IP dst=$VM_IP sport=[0-9]+ dport=5041 src=$N46_WIN6 dst=$N46_VM6 sport=15432 dport=[0-9]+ .*\[v4tov6\]$" <<< "$out" ||
		fail "conns has no v4tov6 line with its client in IPv4: $out" || return 1
	grep -q "ffff" <<< "$out" && fail "conns writes ::ffff: addresses: $out" && return 1
	note "conns: $(grep -E 'v6tov4|v4tov6' <<< "$out" | paste -sd '|')"
	expect_rc 0 -j conns || return 1
	jq -e --arg h "$HOST_IP" '
		([.[] | select(.xlate == "v6tov4" and .family == "ipv6" and .reply.family == "ipv4"
			and .reply.src == $h and .orig.dport == 5040)] | length >= 1) and
		([.[] | select(.xlate == "v4tov6" and .family == "ipv4" and .orig.family == "ipv4"
			and .orig.src == $h and .reply.family == "ipv6" and .orig.dport == 5041)] | length >= 1)' \
		<<< "$OUT" >/dev/null || fail "-j conns: $OUT" || return 1
	grep -q "ffff" <<< "$OUT" && fail "-j conns writes ::ffff: addresses: $OUT" && return 1
	return 0
}
