# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Conntrack cases (issue 10): timeouts set at load, pairs kept together.
# Sourced by run.sh; one function per case.

PY=/usr/bin/python3

# A datagram from the win ns, source port SPORT, to @vm:7007: echoed?
udp_echo_from()
{
	local got
	got=$(in_win timeout 5 "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[2])))
s.settimeout(2)
s.sendto(b"ping", (sys.argv[1], 7007))
d, a = s.recvfrom(100)
print("%s:%d %s" % (a[0], a[1], d.decode()))' "$VM_IP" "$1" 2>&1)
	[ "$got" = "$VM_IP:7007 ping" ] || fail "udp from port $1: '$got'" || return 1
}

# A UDP client that keeps sending (a keepalive, a muted VoIP leg) while its
# server stays quiet past the unreplied timeout, set to 2 s: the server's
# first answer, 5 s in, must still come back as @vm:LPORT (the REPLY half
# lives with its flow), never from the container's own address.
udp_asymmetric_flow_outlives_the_timeout()
{
	local got
	fresh_unloaded || return 1
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" --timeout udp=2,udp-stream=3 || return 1
	add udp 7004 "$CTR_IP:7005" || return 1
	# The server answers once, 5 s after the first datagram, to its sender.
	tb_bg ip netns exec "$NS_CTR" timeout 20 "$PY" -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7005))
d, a = s.recvfrom(100)
t = time.time()
while time.time() - t < 5:
    s.settimeout(max(0.01, 5 - (time.time() - t)))
    try:
        s.recvfrom(100)
    except socket.timeout:
        pass
s.sendto(b"late-answer", a)
'
	tb_wait_listen "$NS_CTR" udp 7005 || return 1
	# The client sends every 0.5 s and reports who answered.
	got=$(in_win timeout 15 "$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
for i in range(24):
    s.sendto(b"keepalive", (sys.argv[1], 7004))
    try:
        d, a = s.recvfrom(100)
        print("%s:%d %s" % (a[0], a[1], d.decode()))
        break
    except socket.timeout:
        pass
else:
    print("no answer")
' "$VM_IP" 2>&1)
	[ "$got" = "$VM_IP:7004 late-answer" ] ||
		fail "the late answer came as '$got', expected from $VM_IP:7004" || return 1
	note "answer after 5 s of client-only traffic (unreplied timeout 2 s) came from $got"
}

# --timeout: bad input exits 2 and pins nothing; the values land in the
# pinned wf_ct_conf, `conns` counts expiry with them, and a flow lives by
# them (an idle UDP flow past udp=2 is started over: ct_expired).
load_timeouts_are_set_and_refused()
{
	local dump j
	fresh_unloaded || return 1
	expect_rc 2 load --dev "$VM_DEV" --mode "$MODE" --timeout udp=0 || return 1
	echo "$OUT" | grep -q "out of range" || fail "no range named: $OUT" || return 1
	! tb_pinned || fail "a refused load left pins" || return 1
	expect_rc 2 load --dev "$VM_DEV" --mode "$MODE" --timeout tcp=5 || return 1
	echo "$OUT" | grep -q "unknown class 'tcp'.*tcp-est=432000" ||
		fail "no class list: $OUT" || return 1
	! tb_pinned || fail "a refused load left pins" || return 1
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" --timeout tcp-est=86400 \
		--timeout udp=2,udp-stream=3 || return 1
	# struct wf_ct_conf: u32 seconds by state; TCP_EST 2, UDP 5, UDP_REPLIED 6
	dump=$(bpftool -j map dump pinned "$TB_PIN_DIR/wf_ct_conf" 2>&1)
	j=$(echo "$dump" | "$PY" -c '
import json, sys
v = json.load(sys.stdin)[0]["value"]
b = bytes(int(x, 16) for x in v)
print(",".join(str(int.from_bytes(b[i * 4:i * 4 + 4], "little")) for i in range(11)))')
	[ "$j" = "0,0,86400,0,0,2,3,0,0,0,0" ] ||
		fail "wf_ct_conf holds $j; expected tcp-est 86400, udp 2, udp-stream 3: $dump" ||
		return 1
	note "wf_ct_conf: $j"
	tb_udp_echo "$NS_CTR" 7006 || return 1
	add udp 7007 "$CTR_IP:7006" || return 1
	expect_udp_echo "$NS_WIN" "$VM_IP" 7007 || return 1
	j=$(wslfwd -j conns 2>&1)
	echo "$j" | grep -q '"state":"REPLIED"' || fail "no REPLIED connection: $j" || return 1
	echo "$j" | grep -qE '"expires":[0-3][,}]' ||
		fail "conns does not count expiry with udp-stream=3: $j" || return 1
	# One client port for both datagrams: the same flow, idle 4 s between.
	udp_echo_from 47007 || return 1
	sleep 4
	local before after
	before=$(wslfwd -j stats | grep -oE '"ct_expired":[0-9]+' | grep -oE '[0-9]+$')
	udp_echo_from 47007 || return 1
	after=$(wslfwd -j stats | grep -oE '"ct_expired":[0-9]+' | grep -oE '[0-9]+$')
	[ "${after:-0}" -gt "${before:-0}" ] ||
		fail "idle 4 s past udp-stream=3, ct_expired stayed ${before:-0}" || return 1
	note "idle flow expired after 3 s (ct_expired ${before:-0} -> $after), started over"
}

# load keeps the VM's own sockets off the SNAT ports: the range goes into
# net.ipv4.ip_local_reserved_ports of the VM's namespace next to what the
# admin reserved, a widened ip_local_port_range then never hands one out,
# and unload takes back exactly what load added.
load_reserves_the_snat_ports_and_unload_returns_them()
{
	local f=/proc/sys/net/ipv4/ip_local_reserved_ports r p i bad=0
	fresh_unloaded || return 1
	in_vm sh -c "echo 8080 > $f" || return 1
	in_vm sh -c 'echo "32768 65535" > /proc/sys/net/ipv4/ip_local_port_range' || return 1
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" || return 1
	r=$(in_vm cat "$f")
	[ "$r" = "8080,61000-65535" ] || fail "reserved ports after load: '$r'" || return 1
	note "after load: ip_local_reserved_ports $r"
	# 300 autobound sockets of the VM, with the whole upper range open to
	# them: none gets an SNAT port.
	p=$(in_vm "$PY" -c '
import socket
ps = []
for i in range(300):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 0))
    ps.append(s.getsockname()[1])
print(" ".join(str(x) for x in ps))')
	for i in $p; do [ "$i" -ge 61000 ] && bad=$((bad + 1)); done
	[ "$bad" = 0 ] || fail "$bad of 300 autobound ports in 61000-65535" || return 1
	expect_rc 0 unload || return 1
	r=$(in_vm cat "$f")
	[ "$r" = "8080" ] || fail "reserved ports after unload: '$r', expected the admin's 8080" ||
		return 1
	note "after unload: ip_local_reserved_ports $r (the admin's own kept)"
	in_vm sh -c 'echo "32768 60999" > /proc/sys/net/ipv4/ip_local_port_range'
	in_vm sh -c "echo > $f"
}

SYNFLOOD=${SYNFLOOD:-$TB_ROOT/build/tests/synflood}

# A SYN flood into a small table (--ct-size 1024) to one mapping while an
# iperf3 flow runs through another: the established flow keeps its entries
# (half-open connections live in wf_ct_new and evict only their own kind)
# and keeps moving every second of the flood. The flood's SYNs come from
# the win namespace with its RSTs to the SYN-ACKs dropped, so they never
# complete, as spoofed ones would not.
syn_flood_into_a_small_table_leaves_established_flows()
{
	local js sent res rc
	fresh_unloaded || return 1
	[ -x "$SYNFLOOD" ] || fail "$SYNFLOOD missing (make tests)" || return 1
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" --ct-size 1024 || return 1
	add tcp 5201 "$CTR_IP:5201" || return 1
	add tcp 8080 @vm:18080 || return 1
	in_win nft -f - <<NFT || fail "nft in win" || return 1
table ip wfsynflood {
	chain out { type filter hook output priority 0; tcp flags rst ip daddr $VM_IP tcp dport 8080 drop; }
}
NFT
	js=$TB_TMP/iperf-flood.json
	in_win timeout 30 iperf3 -c "$VM_IP" -p 5201 -t 9 -i 1 -J > "$js" 2>&1 &
	local ip=$!
	sleep 2
	sent=$(in_win timeout 20 "$SYNFLOOD" "$VM_IP" 8080 20000 5)
	wait "$ip"
	rc=$?
	in_win nft delete table ip wfsynflood
	[ "$rc" = 0 ] || fail "iperf3 exited $rc: $(head -c 600 "$js")" || return 1
	res=$("$PY" - "$js" <<'PYEOF'
import json, sys
j = json.load(open(sys.argv[1]))
iv = [i["sum"]["bits_per_second"] / 1e6 for i in j["intervals"]]
s = j["end"]["sum_sent"]
# seconds 2..7 of the flow are the flood's 5 s
print("%d %.0f %.0f %d %s" % (min(iv[2:7]) > 0, min(iv[2:7]), sum(iv[:2]) / 2,
      s.get("retransmits", -1), ",".join("%.0f" % x for x in iv)))
PYEOF
)
	set -- $res
	note "SYN flood: $sent SYNs in 5 s to @vm:8080 (--ct-size 1024); iperf3 through" \
	     "@vm:5201 Mbit/s per second: $5 (before the flood ~$3, lowest during $2)," \
	     "retransmits $4"
	note "stats: $(wslfwd stats | awk 'NF == 2' | tr -s ' ' | tr '\n' ' ')"
	[ "$1" = 1 ] || fail "the established flow stopped during the flood (lowest $2 Mbit/s)" ||
		return 1
}
