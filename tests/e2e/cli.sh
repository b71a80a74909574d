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
EOF
	# JSON mode reports the refusal as {"error": ...}.
	expect_rc 2 -j add tcp 70000 @vm:18080 || return 1
	echo "$OUT" | grep -q '"error"' || fail "-j error output is not {\"error\": ...}: $OUT" ||
		return 1
	snapshot "$after"
	cmp -s "$before" "$after" || fail "-j refusal changed state: $(diff "$before" "$after")" ||
		return 1
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
	fresh_load || return 1
	add tcp 4000 "$CTR_IP:80" || return 1
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
	fresh_load || return 1
	add tcp 4000 "$CTR_IP:80" || return 1
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
	fresh_load || return 1
	add tcp 4000 "$CTR_IP:80" || return 1
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

# A second `load` while loaded is refused with exit 1 and breaks nothing.
second_load_is_refused()
{
	fresh_load || return 1
	add tcp 4000 "$CTR_IP:80" || return 1
	expect_rc 1 load --dev "$VM_DEV" --mode "$MODE" || return 1
	note "  said: $OUT"
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
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
