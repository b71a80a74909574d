# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# The control commands against a loaded datapath: refusals change nothing,
# the config is replayed, del stops traffic, counters move.

# Each refused command exits 2, says what was wrong, and leaves the kernel's
# mappings and the config file byte for byte as they were.
bad_commands_exit_2_and_change_nothing()
{
	local before=$TB_TMP/before.$MODE after=$TB_TMP/after.$MODE args
	fresh_load || return 1
	add tcp 8080 @vm:18080 || return 1
	add udp 7001 "$CTR_IP:7000" || return 1
	snapshot "$before"
	grep -q 18080 "$before" || fail "list/config do not show the mapping: $(cat "$before")" ||
		return 1
	while IFS= read -r args; do
		# shellcheck disable=SC2086 # word splitting is the point
		expect_rc 2 $args || return 1
		[ -n "$OUT" ] || fail "'wslfwd $args' printed no error message" || return 1
		note "  said: $OUT"
		snapshot "$after"
		cmp -s "$before" "$after" ||
			fail "'wslfwd $args' changed state: $(diff "$before" "$after")" || return 1
	done <<EOF
add tcp 70000 @vm:18080
add tcp 8090 @vm:70000
add sctp 8090 @vm:18080
add tcp 8080 @vm:18081
add both 8080 $CTR_IP:80
del tcp 9999
del udp 8080
add tcp 8085 @vm:8085
add tcp nonsense
add tcp 8090 @nowhere:80
add tcp 8091 [fd00::2]:80 snat never
add tcp 127.0.0.1:8095 [fd00::2]:80
add tcp 8096 [::1]:80
add tcp [fd00::1]:8097 [fd00::2]:80
del tcp @vm6:8080
netsh interface portproxy add v6tov4 listenport=8092 connectaddress=localhost connectport=80
netsh interface portproxy add v4tov6 listenport=8093 connectaddress=fe80::2
netsh interface portproxy add v6tov6 listenport=8094 listenaddress=fd00::1 connectaddress=fd00::2
netsh interface portproxy delete v6tov6 listenport=8080
list extra
status extra
conns extra
stats extra
EOF
	# JSON mode reports the refusal as {"error": ...}.
	expect_rc 2 -j add tcp 70000 @vm:18080 || return 1
	echo "$OUT" | grep -q '"error"' || fail "-j error output is not {\"error\": ...}: $OUT" ||
		return 1
	snapshot "$after"
	cmp -s "$before" "$after" || fail "-j refusal changed state: $(diff "$before" "$after")" ||
		return 1
}

# Config lines of both families and between them load: `tcp 8091
# [fd00::2]:80` (IPv4 listener, IPv6 target) is translated now, so load
# names nothing as not forwarded. `tcp 8080` and `tcp @vm6:8080` are two
# listeners: each del names its own.
ipv6_config_lines_at_load()
{
	local out
	fresh_unloaded || return 1
	printf 'tcp 8080 @vm:18080\ntcp 8091 [fd00::2]:80\ntcp @vm6:8092 @vm6:18080\n' > "$TB_CONF"
	out=$(wslfwd load --dev "$VM_DEV" --mode "$MODE" 2>&1) ||
		fail "load with IPv6 lines: exit $?: $out" || return 1
	grep -q "not forwarded" <<< "$out" &&
		fail "load named a line as not forwarded: $out" && return 1
	wslfwd list | grep -q '8091 -> \[fd00::2\]:80' ||
		fail "list lacks the IPv4-to-IPv6 mapping: $(wslfwd list)" || return 1
	grep -q 'fd00::2' "$TB_CONF" || fail "the IPv4-to-IPv6 line left the config" || return 1
	wslfwd list | grep -q '@vm6:8092 -> @vm6:18080' ||
		fail "list lacks the IPv6 mapping: $(wslfwd list)" || return 1
	wslfwd status | grep -q '^@vm6: ' || fail "status shows no @vm6: $(wslfwd status)" ||
		return 1
	expect_http "$NS_WIN" "http://$VM_IP:8080/" "$HOST_IP" || return 1
	add tcp @vm6:8080 @vm6:18081 || return 1
	expect_rc 2 del tcp 8092 || return 1
	expect_rc 0 del tcp 8080 || return 1
	wslfwd list | grep -q '@vm6:8080 ' || fail "del tcp 8080 took the IPv6 listener" || return 1
	expect_rc 0 del tcp @vm6:8080 || return 1
	expect_rc 0 netsh interface portproxy delete v6tov6 listenport=8092 || return 1
	grep -q '@vm6' "$TB_CONF" && fail "IPv6 lines left after their del: $(cat "$TB_CONF")" &&
		return 1
	return 0
}

# `add` while nothing is loaded only writes the config; `load` replays it
# and the mapping then forwards.
add_when_unloaded_is_replayed_by_load()
{
	local out
	fresh_unloaded || return 1
	add tcp 8080 @vm:18080 || return 1
	add tcp 4000 "$CTR_IP:80" || return 1
	tb_pinned && fail "add while unloaded created pins: $(ls "$TB_PIN_DIR")" && return 1
	grep -q '18080' "$TB_CONF" && grep -q "$CTR_IP" "$TB_CONF" ||
		fail "config lacks the mappings: $(cat "$TB_CONF" 2>&1)" || return 1
	note "config: $(grep -v '^#' "$TB_CONF" | tr '\n' ';')"
	expect_no_http "$NS_WIN" "http://$VM_IP:8080/" || return 1
	out=$(wslfwd load --dev "$VM_DEV" --mode "$MODE" 2>&1) ||
		fail "load: $out" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:8080/" "$HOST_IP" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
	wslfwd list 2>&1 | grep -q 18080 || fail "list after load: $(wslfwd list 2>&1)" || return 1
}

# `del` removes the mapping from the kernel and the config: traffic stops.
del_stops_the_mapping()
{
	load_with_ctr_mapping || return 1
	add tcp 8080 @vm:18080 || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
	expect_rc 0 del tcp 4000 || return 1
	expect_no_http "$NS_WIN" "http://$VM_IP:4000/" || return 1
	grep -q "$CTR_IP" "$TB_CONF" && fail "config still has the mapping: $(cat "$TB_CONF")" &&
		return 1
	wslfwd list 2>&1 | grep -q "$CTR_IP" && fail "list still has it: $(wslfwd list 2>&1)" &&
		return 1
	# The other mapping is untouched.
	expect_http "$NS_WIN" "http://$VM_IP:8080/" "$HOST_IP" || return 1
}

# `del` also ends connections already going through the mapping: a kept-alive
# HTTP connection answers before the del and not after.
del_stops_existing_connections()
{
	local out=$TB_TMP/keepalive.$MODE go=$TB_TMP/go.$MODE
	load_with_ctr_mapping || return 1
	rm -f "$go" "$out"
	mkfifo "$go"
	# One TCP connection, two requests; the second waits for the del.
	nsenter --net="/run/netns/$NS_WIN" timeout 15 bash -c '
		req() { printf "GET / HTTP/1.1\r\nHost: e2e\r\n\r\n" >&3 || { echo "send failed"; return; }
			while IFS= read -r -t 3 l <&3; do
				case $l in peer=*) echo "answer $l"; return;; esac
			done; echo "no answer"; }
		trap "" PIPE # a reset connection must print, not kill us
		exec 3<>"/dev/tcp/$1/4000" || exit 1
		req; read -r _ < "$2"; req' e2e "$VM_IP" "$go" > "$out" 2>&1 &
	for _ in $(seq 50); do grep -q answer "$out" && break; sleep 0.1; done
	grep -q "answer peer=$HOST_IP" "$out" ||
		fail "first request on the kept-alive connection: $(cat "$out")" || { echo > "$go"; return 1; }
	note "kept-alive connection: first request answered"
	expect_rc 0 del tcp 4000 || { echo > "$go"; return 1; }
	echo > "$go"
	wait $!
	note "after del: $(tail -n +2 "$out" | tr "\n" " ")"
	[ "$(grep -c 'answer peer=' "$out")" = 1 ] ||
		fail "the connection still works after del: $(cat "$out")" || return 1
	wslfwd -j conns 2>&1 | grep -q "$CTR_IP" &&
		fail "conns still lists the deleted mapping's flows: $(wslfwd -j conns 2>&1)" && return 1
	return 0
}

# Per-mapping packet counters grow with traffic through the mapping.
stats_counters_increase_with_traffic()
{
	local a b
	load_with_ctr_mapping || return 1
	a=$(wslfwd -j stats 2>&1 | json_sum_packets)
	for _ in 1 2 3; do
		expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
	done
	b=$(wslfwd -j stats 2>&1 | json_sum_packets)
	[ "$b" -gt "$a" ] || fail "packets before $a, after $b; stats: $(wslfwd -j stats 2>&1)" ||
		return 1
	# 3 connections, at least SYN+ACK+request+FIN... each way: >= 3*3*2.
	[ $((b - a)) -ge 18 ] || fail "only $((b - a)) packets counted for 3 HTTP requests" ||
		return 1
	note "packets counted: $a -> $b"
	wslfwd -j conns 2>&1 | grep -q "$CTR_IP" ||
		fail "conns does not list the connections: $(wslfwd -j conns 2>&1)" || return 1
}

# load --redirect names devices the user vouches take XDP frames: a bridge
# never does (refused, exit 2), a missing device is exit 1, and a refused
# load leaves nothing behind.
load_redirect_refuses_a_bridge_and_a_missing_device()
{
	fresh_unloaded || return 1
	expect_rc 2 load --dev "$VM_DEV" --mode "$MODE" --redirect docker0 || return 1
	echo "$OUT" | grep -q bridge || fail "no word of the bridge: $OUT" || return 1
	! tb_pinned || fail "a refused load left pins" || return 1
	expect_rc 1 load --dev "$VM_DEV" --mode "$MODE" --redirect nosuchdev0 || return 1
	! tb_pinned || fail "a refused load left pins" || return 1
	expect_rc 2 load --dev "$VM_DEV" --mode "$MODE" --redirect "auto,$VM_CTR_PORT" || return 1
	echo "$OUT" | grep -q "'auto' stands alone" || fail "auto in a list: $OUT" || return 1
	! tb_pinned || fail "a refused load left pins" || return 1
	# The container's eth0 has GRO off: the kernel says the port would
	# drop XDP frames.
	expect_rc 2 load --dev "$VM_DEV" --mode "$MODE" --redirect "$VM_CTR_PORT" || return 1
	echo "$OUT" | grep -q "does not take XDP frames" || fail "no word of XDP frames: $OUT" ||
		return 1
	! tb_pinned || fail "a refused load left pins" || return 1
	in_ctr ethtool -K "$CTR_DEV" gro on >/dev/null || return 1
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" --redirect "$VM_CTR_PORT" || return 1
	add tcp 4000 "$CTR_IP:80" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
}

# ---- the mapping lock, kill -9, identical add, one listener (issue 11) ----

# Listen ports of the tcp mappings, sorted, one a line: as the config has
# them, as `list` shows them, as the kernel's wf_fwd holds them.
config_ports() { grep -oE '^(add )?tcp [0-9]+ ' "$TB_CONF" 2>/dev/null | grep -oE '[0-9]+' | sort -n; }
list_ports()
{
	wslfwd -j list 2>/dev/null | grep -oE '"proto":"tcp","listen":"@vm:[0-9]+"' |
		grep -oE '[0-9]+"$' | tr -d '"' | sort -n
}
# wf_fwd's key: family, proto, port (big endian), address. Read with
# bpftool from the pins, not through wslfwd.
kernel_ports()
{
	local a b c d
	bpftool -j map dump pinned "$TB_PIN_DIR/wf_fwd" 2>/dev/null |
		grep -oE '"key":\["0x[0-9a-f]+","0x[0-9a-f]+","0x[0-9a-f]+","0x[0-9a-f]+"' |
		sed 's/"key":\[//; s/"//g' |
		while IFS=, read -r a b c d; do
			[ "$((a))" = 2 ] && [ "$((b))" = 6 ] && echo $(((c << 8) | d))
		done | sort -n
}
count() { if [ -z "$1" ]; then echo 0; else echo "$1" | wc -l; fi; }

# 8 processes x 25 `add`s of distinct ports: every one of the 200 is in the
# config, in `list` and in the kernel (the mapping lock serializes them).
concurrent_adds_lose_no_mapping()
{
	local p out=$TB_TMP/conc.$MODE want c l k
	fresh_load || return 1
	rm -f "$out".*
	for p in 0 1 2 3 4 5 6 7; do
		(
			for i in $(seq 0 24); do
				port=$((20000 + p * 25 + i))
				wslfwd add tcp "$port" @vm:18080 >/dev/null 2>>"$out.$p" ||
					echo "add tcp $port: exit $?" >> "$out.$p"
			done
		) &
	done
	wait
	if grep -q exit "$out".* 2>/dev/null; then
		fail "some adds failed: $(cat "$out".* | head -5)"
		return 1
	fi
	want=$(seq 20000 20199)
	c=$(config_ports); l=$(list_ports); k=$(kernel_ports)
	note "config $(count "$c"), list $(count "$l"), kernel $(count "$k") of 200"
	[ "$c" = "$want" ] || fail "config has $(count "$c") of the 200" || return 1
	[ "$l" = "$want" ] || fail "list has $(count "$l") of the 200" || return 1
	[ "$k" = "$want" ] || fail "the kernel has $(count "$k") of the 200" || return 1
	expect_rc 0 del tcp 20123 || return 1
}

# kill -9 at random points of a loop of adds (and dels): the next command
# brings config, list and kernel back in step, and no temp file stays.
# The kill lands at a random point of the time a command takes on this
# machine (measured first), so a fast machine is tested as well as a slow one.
killed_commands_are_repaired_by_the_next()
{
	local i pid rc killed=0 tries=0 c l k left t0 us=0 delay
	fresh_load || return 1
	for i in 1 2 3; do
		t0=${EPOCHREALTIME/./}
		tb_vm_exec "$WSLFWD_BIN" --pin-dir "$TB_PIN_DIR" --config "$TB_CONF" \
			add tcp $((21900 + i)) @vm:18080 >/dev/null 2>&1 ||
			fail "add tcp $((21900 + i)) failed" || return 1
		us=$((us + ${EPOCHREALTIME/./} - t0))
	done
	us=$((us / 3))
	note "one add takes ${us} us here"
	for i in $(seq 0 149); do
		[ "$killed" -ge 20 ] && break
		tries=$((tries + 1))
		if [ $((i % 4)) = 3 ]; then
			set -- del tcp $((21000 + i - 1))
		else
			set -- add tcp $((21000 + i)) @vm:18080
		fi
		tb_vm_exec_bg "$WSLFWD_BIN" --pin-dir "$TB_PIN_DIR" --config "$TB_CONF" "$@" \
			>/dev/null 2>&1
		pid=$TB_VM_PID
		delay=$((RANDOM * us / 32768))
		sleep "$((delay / 1000000)).$(printf %06d $((delay % 1000000)))"
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		rc=$?
		[ "$rc" = 137 ] && killed=$((killed + 1))
	done
	note "$killed of $tries commands killed"
	[ "$killed" -gt 5 ] || fail "only $killed commands were killed; the test proves nothing" ||
		return 1
	note "before the next command: config $(count "$(config_ports)"), list $(count "$(list_ports)"), kernel $(count "$(kernel_ports)")"
	expect_rc 0 add tcp 21999 @vm:18080 || return 1
	c=$(config_ports); l=$(list_ports); k=$(kernel_ports)
	note "after: config $(count "$c"), list $(count "$l"), kernel $(count "$k")"
	[ "$c" = "$l" ] || fail "config and list differ: $(diff <(echo "$c") <(echo "$l") | tr '\n' ' ')" ||
		return 1
	[ "$c" = "$k" ] || fail "config and kernel differ: $(diff <(echo "$c") <(echo "$k") | tr '\n' ' ')" ||
		return 1
	left=$(cd "$(dirname "$TB_CONF")" && ls -a | grep -E "^\.?$(basename "$TB_CONF")\.(tmp|[A-Za-z0-9]{6}$)" |
		grep -v '\.lock$')
	[ -z "$left" ] || fail "temp files left: $left" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:21999/" "$HOST_IP" || return 1
}

# What a command killed inside a map change leaves, made by hand with
# bpftool: a mapping missing its wf_fwd entry, and a stray entry no mapping
# owns (port 4500, id 77). The next command repairs both, and says so.
half_written_maps_are_repaired_by_the_next_command()
{
	local z16="0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0" c k
	load_with_ctr_mapping || return 1
	add tcp 8080 @vm:18080 || return 1
	# 600 more wf_fwd entries: the walk goes past its first buffer.
	add udp 30000-30599 @host:30000 || return 1
	bpftool map delete pinned "$TB_PIN_DIR/wf_fwd" key 2 6 0x0f 0xa0 $z16 &&
	bpftool map update pinned "$TB_PIN_DIR/wf_fwd" key 2 6 0x11 0x94 $z16 \
		value 77 0 0 0 0 0 0 0 0x1f 0x90 0 0 $z16 ||
		fail "bpftool could not edit wf_fwd" || return 1
	note "kernel before: $(kernel_ports | tr '\n' ' ')"
	expect_no_http "$NS_WIN" "http://$VM_IP:4000/" || return 1
	expect_rc 0 add tcp 8081 @vm:18080 || return 1
	note "  said: $OUT"
	echo "$OUT" | grep -q "not in step" || fail "the repair was silent: $OUT" || return 1
	c=$(config_ports); k=$(kernel_ports)
	[ "$(echo $c)" = "4000 8080 8081" ] && [ "$c" = "$k" ] ||
		fail "config $(echo $c), kernel $(echo $k)" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
	expect_no_http "$NS_WIN" "http://$VM_IP:4500/" || return 1
}

# A del killed after it removed the mapping from the config and the maps
# but before its connections (made by hand): the next command removes the
# connection entries of the id no mapping has, before the id is reused.
killed_del_leaves_no_connections_behind()
{
	local id z16="0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0" zero
	fresh_load || return 1
	add udp 7001 "$CTR_IP:7000" || return 1
	expect_udp_echo "$NS_WIN" "$VM_IP" 7001 || return 1
	wslfwd -j conns 2>&1 | grep -q "$CTR_IP" || fail "no connection to start from" || return 1
	id=$(wslfwd -j list 2>&1 | grep -oE '"id":[0-9]+' | grep -oE '[0-9]+' | head -1)
	zero=$(printf '0 %.0s' $(seq 208))
	: > "$TB_CONF"
	# shellcheck disable=SC2086 # the bytes are words
	bpftool map delete pinned "$TB_PIN_DIR/wf_fwd" key 2 17 0x1b 0x59 $z16 &&
	bpftool map update pinned "$TB_PIN_DIR/wf_mappings" key "$id" 0 0 0 value $zero ||
		fail "bpftool could not edit the maps" || return 1
	expect_rc 0 add tcp 8081 @vm:18080 || return 1
	note "  said: $OUT"
	wslfwd -j conns 2>&1 | grep -q "$CTR_IP" &&
		fail "connections of the removed mapping stay: $(wslfwd -j conns 2>&1)" && return 1
	return 0
}

# A boot script re-running its adds: the same mapping again exits 0 and
# changes nothing, loaded or not; another mapping on that listener is exit 2.
identical_add_is_a_success_that_changes_nothing()
{
	local before=$TB_TMP/before.$MODE after=$TB_TMP/after.$MODE ino
	fresh_unloaded || return 1
	add tcp 4000 "$CTR_IP:80" || return 1
	ino=$(stat -c %i "$TB_CONF")
	expect_rc 0 add tcp 4000 "$CTR_IP:80" || return 1
	note "  said: $OUT"
	[ "$(stat -c %i "$TB_CONF")" = "$ino" ] || fail "the config was rewritten" || return 1
	[ "$(grep -c 4000 "$TB_CONF")" = 1 ] || fail "config: $(cat "$TB_CONF")" || return 1
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" || return 1
	snapshot "$before"
	expect_rc 0 add tcp 4000 "$CTR_IP:80" || return 1
	note "  said: $OUT"
	echo "$OUT" | grep -q "nothing changed" || fail "no word that nothing changed: $OUT" || return 1
	snapshot "$after"
	cmp -s "$before" "$after" || fail "identical add changed state: $(diff "$before" "$after")" ||
		return 1
	expect_rc 2 add tcp 4000 @vm:18080 || return 1
	echo "$OUT" | grep -q "$CTR_IP:80" || fail "the refusal does not name the mapping there: $OUT" ||
		return 1
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
}

# `tcp 4000` and `tcp <@vm's address>:4000` are one listener: the second is
# refused naming both, for ranges too, and a config holding both fails load.
one_listener_written_two_ways_is_refused()
{
	local before=$TB_TMP/before.$MODE after=$TB_TMP/after.$MODE
	load_with_ctr_mapping || return 1
	add tcp "$VM_IP:5000-5010" @vm:18080 || return 1
	snapshot "$before"
	expect_rc 2 add tcp "$VM_IP:4000" @vm:18080 || return 1
	note "  said: $OUT"
	echo "$OUT" | grep -q "tcp 4000 $CTR_IP:80" && echo "$OUT" | grep -q "$VM_IP:4000" ||
		fail "the refusal does not name both: $OUT" || return 1
	expect_rc 2 add tcp 5005 @vm:18080 || return 1
	echo "$OUT" | grep -q "$VM_IP:5000-5010" || fail "range overlap not named: $OUT" || return 1
	expect_rc 2 add tcp 5008-5020 "$VM_IP:6000" || return 1
	snapshot "$after"
	cmp -s "$before" "$after" || fail "a refusal changed state: $(diff "$before" "$after")" ||
		return 1
	fresh_unloaded || return 1
	printf 'tcp 4000 @vm:18080\ntcp %s:4000 %s:80\n' "$VM_IP" "$CTR_IP" > "$TB_CONF"
	expect_rc 2 load --dev "$VM_DEV" --mode "$MODE" || return 1
	note "  said: $OUT"
	echo "$OUT" | grep -q "same ports" || fail "load: $OUT" || return 1
	! tb_pinned || fail "a refused load left pins" || return 1
}

# An LPORT in the SNAT port range, and control bytes in a config line or an
# argument: refused with a message naming them, nothing changed.
snat_range_and_control_bytes_are_refused()
{
	fresh_load || return 1
	expect_rc 2 add tcp 61000 @vm:18080 || return 1
	echo "$OUT" | grep -q "SNAT port range" || fail "no word of the SNAT range: $OUT" || return 1
	expect_rc 2 add udp 60000-61000 @host:7000 || return 1
	expect_rc 2 add tcp $'80\x01' @vm:18080 || return 1
	echo "$OUT" | grep -q "control byte 0x01" || fail "control byte in an argument: $OUT" ||
		return 1
	[ ! -s "$TB_CONF" ] || fail "a refusal wrote the config: $(cat "$TB_CONF")" || return 1
	fresh_unloaded || return 1
	printf 'tcp 4000 @vm:18080\ntcp 4001 @vm:18080\000junk\n' > "$TB_CONF"
	expect_rc 2 load --dev "$VM_DEV" --mode "$MODE" || return 1
	note "  said: $OUT"
	echo "$OUT" | grep -q ":2: control byte 0x00 (NUL)" || fail "load: $OUT" || return 1
	! tb_pinned || fail "a refused load left pins" || return 1
	expect_rc 2 list || return 1
	expect_rc 2 add tcp 4002 @vm:18080 || return 1
	printf 'tcp 62000 @vm:18080\n' > "$TB_CONF"
	expect_rc 2 load --dev "$VM_DEV" --mode "$MODE" || return 1
	echo "$OUT" | grep -q ":1: listen port 62000 is inside the SNAT port range" ||
		fail "load: $OUT" || return 1
	! tb_pinned || fail "a refused load left pins" || return 1
}

# `unload` removes only what wslfwd pinned: another tool's pin in the pin
# dir stays (and the dir with it), and a dir that is not a wslfwd pin dir
# is refused with exit 2, nothing removed. The foreign pins are tiny maps
# made with bpftool inside this run's own pin dir.
unload_removes_only_its_own_pins()
{
	local foreign=$TB_PIN_DIR/other-tool
	load_with_ctr_mapping || return 1
	bpftool map create "$TB_PIN_DIR/tool_map" type array key 4 value 4 entries 1 \
		name tool_map || fail "bpftool map create" || return 1
	mkdir -p "$foreign" || return 1
	bpftool map create "$foreign/tool_map" type array key 4 value 4 entries 1 name tool_map &&
	bpftool map create "$foreign/wf_info" type array key 4 value 4 entries 1 name wf_info ||
		fail "bpftool map create in $foreign" || return 1
	# Not a wslfwd pin dir (its wf_info is not wslfwd's): refused.
	expect_rc 2 unload --pin-dir "$foreign" || return 1
	note "  said: $OUT"
	echo "$OUT" | grep -q "not a wslfwd pin dir" || fail "no word of why: $OUT" || return 1
	[ -e "$foreign/tool_map" ] && [ -e "$foreign/wf_info" ] ||
		fail "the refused unload removed pins: $(ls "$foreign")" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
	# wslfwd's own dir with a foreign pin and a foreign dir in it: ours go.
	expect_rc 0 unload || return 1
	note "  said: $OUT"
	[ -z "$(attachments)" ] || fail "still attached: $(attachments)" || return 1
	[ "$(ls "$TB_PIN_DIR" | sort | tr '\n' ' ')" = "other-tool tool_map " ] ||
		fail "pin dir after unload: $(ls "$TB_PIN_DIR" | tr '\n' ' ')" || return 1
	[ -e "$foreign/tool_map" ] || fail "the foreign dir lost its pins" || return 1
	expect_no_http "$NS_WIN" "http://$VM_IP:4000/" || return 1
	rm -rf "$TB_PIN_DIR"
}

# `windows` for every mapping family: Windows listens in the listener's
# family (0.0.0.0 or ::) and connects to @vm or @vm6, whatever the target's
# family; local-client mappings are skipped with a note. Each portproxy
# line, pasted into `wslfwd netsh`, reads back as its mapping's listener.
windows_lines_for_ipv6_and_cross_family_read_back_with_netsh()
{
	local line lines l p
	fresh_load || return 1
	add tcp "@vm6:4711" "[$CTR_IP6]:80" || return 1	# v6tov6
	add tcp "@vm6:4712" "$CTR_IP:80" || return 1	# v6tov4
	add tcp 4713 "[$CTR_IP6]:80" || return 1	# v4tov6
	add tcp 4714 "$CTR_IP:80" || return 1		# v4tov4
	add tcp "[::1]:4715" "[$CTR_IP6]:80" || return 1	# local clients
	expect_rc 0 windows || return 1
	for l in "v6tov6 listenaddress=:: listenport=4711 connectaddress=$VM_IP6 connectport=4711" \
		 "v6tov6 listenaddress=:: listenport=4712 connectaddress=$VM_IP6 connectport=4712" \
		 "v4tov4 listenaddress=0.0.0.0 listenport=4713 connectaddress=$VM_IP connectport=4713" \
		 "v4tov4 listenaddress=0.0.0.0 listenport=4714 connectaddress=$VM_IP connectport=4714"; do
		grep -qxF "netsh interface portproxy add $l" <<< "$OUT" ||
			fail "no line 'netsh interface portproxy add $l': $OUT" || return 1
	done
	grep -qxF "New-NetFirewallRule -Name 'wslfwd-tcp6-4711' -DisplayName 'wslfwd tcp6 4711' -Direction Inbound -Protocol TCP -LocalPort 4711 -Action Allow" <<< "$OUT" ||
		fail "no firewall rule for the IPv6 listener: $OUT" || return 1
	grep -q "^# Windows side of 5 mappings (NAT mode, @vm $VM_IP, @vm6 $VM_IP6)" <<< "$OUT" ||
		fail "the header does not name @vm and @vm6: $OUT" || return 1
	grep -q "^# tcp \[::1\]:4715 .*local clients" <<< "$OUT" ||
		fail "the local-client mapping is not explained: $OUT" || return 1
	grep -q "4715" <<< "$(grep -v '^#' <<< "$OUT")" &&
		fail "lines for the local-client mapping: $OUT" && return 1
	[ "$(grep -c '^netsh ' <<< "$OUT")" = 4 ] ||
		fail "expected 4 portproxy lines: $OUT" || return 1
	lines=$(grep '^netsh ' <<< "$OUT")
	note "windows: $(paste -sd '|' <<< "$lines")"
	expect_rc 0 -j windows || return 1
	jq -e --arg v6 "$VM_IP6" '.vm6 == $v6 and
		([.mappings[] | select(.mapping | test("@vm6:4712")) | .portproxy] == ["v6tov6"]) and
		([.mappings[] | select(.mapping | test("4715")) | .commands | length] == [0]) and
		([.mappings[].commands[] | select(startswith("netsh "))] | length == 4)' <<< "$OUT" \
		>/dev/null || fail "-j windows: $OUT" || return 1
	# The round trip: with the mappings gone, each line into `wslfwd netsh`
	# gives the listener back (connecting to the VM's own address).
	for p in 4711 4712; do expect_rc 0 del tcp "@vm6:$p" || return 1; done
	for p in 4713 4714; do expect_rc 0 del tcp "$p" || return 1; done
	while read -r line; do
		# shellcheck disable=SC2086 # the line's words
		expect_rc 0 $line || return 1
	done <<< "$lines"
	expect_rc 0 list || return 1
	for l in "@vm6:4711 -> [$VM_IP6]:4711" "@vm6:4712 -> [$VM_IP6]:4712" \
		 "@vm:4713 -> $VM_IP:4713" "@vm:4714 -> $VM_IP:4714"; do
		grep -qF "tcp   $l " <<< "$OUT" || fail "netsh did not read back '$l': $OUT" || return 1
	done
	note "read back: $(grep -E '471[1-4]' <<< "$OUT" | paste -sd '|')"
}
