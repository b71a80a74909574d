# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# In-place upgrade: `load` over a running datapath replaces the programs
# behind the pinned links (and legacy cls_bpf filters) and keeps the maps;
# what cannot be replaced in place is refused and changes nothing.

# "PIN LINK_ID PROG_ID" for each pinned link of this run, one a line.
pinned_links()
{
	local pin j
	for pin in "$TB_PIN_DIR"/link_*; do
		[ -e "$pin" ] || continue
		j=$(bpftool -j link show pinned "$pin" 2>/dev/null)
		echo "${pin##*/} $(grep -oE '^\{"id":[0-9]+' <<< "$j" | grep -oE '[0-9]+')" \
		     "$(grep -oE '"prog_id":[0-9]+' <<< "$j" | head -1 | grep -oE '[0-9]+')"
	done
}

# The program ids of our cls_bpf filters on eth0 (legacy tc), one a line.
clsact_prog_ids()
{
	{ in_vm tc filter show dev "$VM_DEV" ingress; in_vm tc filter show dev "$VM_DEV" egress; } |
		grep -oE ' id [0-9]+' | grep -oE '[0-9]+'
}

# Every line of $1 has the same link id as in $2 and another program id.
same_links_new_progs()
{
	local a=$1 b=$2 name id prog id2 prog2
	[ "$(wc -l <<< "$a")" = "$(wc -l <<< "$b")" ] ||
		fail "pinned links before: '$a', after: '$b'" || return 1
	while read -r name id prog; do
		read -r id2 prog2 <<< "$(awk -v n="$name" '$1 == n { print $2, $3 }' <<< "$b")"
		[ "$id" = "$id2" ] || fail "$name: link $id became $id2 (not replaced in place)" ||
			return 1
		[ -n "$prog2" ] && [ "$prog" != "$prog2" ] ||
			fail "$name: still runs program $prog (after: '$prog2')" || return 1
	done <<< "$a"
}

load_over_running_replaces_in_place()
{
	local links0 links1 links2 p0 p1 other
	load_with_ctr_mapping || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
	p0=$(wslfwd -j stats | json_sum_packets)
	links0=$(pinned_links)
	note "links before: $(tr '\n' ';' <<< "$links0")"
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" || return 1
	note "  said: $OUT"
	grep -q "replaced the running datapath in place" <<< "$OUT" ||
		fail "no word of an in-place replace: $OUT" || return 1
	grep -q "1 mapping kept, 0 added" <<< "$OUT" || fail "mapping not kept: $OUT" || return 1
	links1=$(pinned_links)
	note "links after:  $(tr '\n' ';' <<< "$links1")"
	same_links_new_progs "$links0" "$links1" || return 1
	p1=$(wslfwd -j stats | json_sum_packets)
	[ "$p0" -gt 0 ] && [ "$p1" -ge "$p0" ] ||
		fail "counters not kept: $p0 packets before, $p1 after" || return 1
	note "counters kept: $p0 packets before, $p1 after"
	[ "$(wslfwd list | grep -c "$CTR_IP")" = 1 ] || fail "mapping lost: $(wslfwd list)" ||
		return 1
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
	# --mode auto keeps the running mode; the maps follow a config edited by
	# hand, the mapping both have keeping its counters.
	echo "tcp 4001 $CTR_IP:80" >> "$TB_CONF"
	expect_rc 0 load --dev "$VM_DEV" || return 1
	grep -q "replaced" <<< "$OUT" || fail "auto did not replace: $OUT" || return 1
	grep -q "1 mapping kept, 1 added, 0 removed" <<< "$OUT" ||
		fail "the config's new line not added: $OUT" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4001/" "$HOST_IP" || return 1
	links2=$(pinned_links)
	same_links_new_progs "$links1" "$links2" || return 1

	# What cannot be replaced in place is refused, changing nothing.
	other=tc
	[ "$MODE" = tc ] && other=xdp-generic
	expect_rc 1 load --dev "$VM_DEV" --mode "$other" || return 1
	note "  said: $OUT"
	grep -q "cannot replace it in place" <<< "$OUT" || fail "no reason given: $OUT" || return 1
	[ "$(pinned_links)" = "$links2" ] || fail "a refused load changed the links" || return 1
	expect_rc 1 load --dev docker0 --mode "$MODE" || return 1
	note "  said: $OUT"
	grep -q "already loaded on $VM_DEV" <<< "$OUT" || fail "no word of $VM_DEV: $OUT" || return 1
	[ "$(pinned_links)" = "$links2" ] || fail "a refused load changed the links" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
}

# clsact + cls_bpf: `tc filter replace` semantics, the program pins follow,
# and unload still finds (and removes) the filters.
legacy_tc_load_over_running_replaces_filters()
{
	local ids0 ids1 out
	fresh_unloaded || return 1
	out=$(WSLFWD_NO_TCX=1 wslfwd load --dev "$VM_DEV" --mode "$MODE" 2>&1) ||
		fail "WSLFWD_NO_TCX=1 load: $out" || return 1
	add tcp 4000 "$CTR_IP:80" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
	ids0=$(clsact_prog_ids | tr '\n' ' ')
	out=$(WSLFWD_NO_TCX=1 wslfwd load --dev "$VM_DEV" --mode "$MODE" 2>&1) ||
		fail "second WSLFWD_NO_TCX=1 load: $out" || return 1
	grep -q "replaced the running datapath in place" <<< "$out" ||
		fail "no in-place replace: $out" || return 1
	ids1=$(clsact_prog_ids | tr '\n' ' ')
	note "cls_bpf programs: '$ids0' -> '$ids1'"
	[ "$(wc -w <<< "$ids0")" = "$(wc -w <<< "$ids1")" ] ||
		fail "filters before: '$ids0', after: '$ids1' (one each expected)" || return 1
	for id in $ids1; do
		[[ " $ids0 " != *" $id "* ]] || fail "program $id still attached" || return 1
	done
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
	expect_rc 0 unload || return 1
	[ -z "$(attachments)" ] || fail "still attached after unload: $(attachments)" || return 1
	[ -z "$(qdiscs)" ] || fail "clsact left after unload: $(qdiscs)" || return 1
}

# The number in "lost/total" of iperf3's receiver line, as "lost total".
iperf_udp_loss()
{
	awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) {
		split($i, a, "/"); print a[1], a[2] } }'
}

# 20 k UDP datagrams/s from the win ns through a mapping and a TCP stream
# through another, while `load` replaces the programs three times: not one
# datagram lost, the TCP connection never reset. The TCP stream is paced
# (20 Mbit/s): an unpaced one fills the veth's XDP ring and costs UDP
# datagrams with or without a replace (1.2% measured here without one).
upgrade_under_load_loses_nothing()
{
	local udp tcp loss lost total t0 t1 i pid_u pid_t rc
	fresh_load || return 1
	add both 5201 "$CTR_IP:5201" || return 1
	add tcp 5202 "$CTR_IP:5202" || return 1
	in_ctr iperf3 -s -p 5202 -1 > "$TB_TMP/iperf3-5202.log" 2>&1 &
	UPG_SERVER=$!
	trap 'kill "$UPG_SERVER" 2>/dev/null' EXIT
	tb_wait_listen "$NS_CTR" tcp 5202 || fail "iperf3 server on 5202" || return 1
	# 64-byte payloads at 10.24 Mbit/s: 20,000 datagrams a second.
	in_win timeout 30 iperf3 -u -c "$VM_IP" -p 5201 -b 10240k -l 64 -w 4M -t 6 -f m \
		> "$TB_TMP/udp.out" 2>&1 &
	pid_u=$!
	in_win timeout 30 iperf3 -c "$VM_IP" -p 5202 -b 20M -t 6 -f m > "$TB_TMP/tcp.out" 2>&1 &
	pid_t=$!
	sleep 1.5
	for i in 1 2 3; do
		t0=$(date +%s%N)
		expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" || return 1
		t1=$(date +%s%N)
		grep -q replaced <<< "$OUT" || fail "load $i did not replace: $OUT" || return 1
		note "replace $i: 'wslfwd load' took $(( (t1 - t0) / 1000000 )) ms"
		sleep 1
	done
	wait "$pid_u"
	rc=$?
	udp=$(cat "$TB_TMP/udp.out")
	[ "$rc" = 0 ] || fail "UDP iperf3 exit $rc: $udp" || return 1
	wait "$pid_t"
	rc=$?
	tcp=$(cat "$TB_TMP/tcp.out")
	[ "$rc" = 0 ] || fail "TCP iperf3 exit $rc (connection reset?): $tcp" || return 1
	loss=$(iperf_udp_loss <<< "$udp")
	read -r lost total <<< "$loss"
	[ -n "$total" ] && [ "$total" -ge 100000 ] ||
		fail "UDP: expected >= 100000 datagrams, iperf3 said: $udp" || return 1
	[ "$lost" = 0 ] || fail "UDP: $lost of $total datagrams lost across 3 replaces: $udp" ||
		return 1
	note "UDP: 0 of $total datagrams lost across 3 in-place replaces"
	note "TCP: $(awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i+1) == "Mbits/sec") print $i " Mbit/s" }' <<< "$tcp") over 6 s, no reset"
}


# A pinned map with another layout than this binary's: a state map refuses
# the in-place load (naming the map, changing nothing); a counter map is
# made anew. The maps are swapped for ones bpftool makes, standing in for
# an older wslfwd's.
load_over_a_changed_map_layout()
{
	local links0
	load_with_ctr_mapping || return 1
	links0=$(pinned_links)
	rm -f "$TB_PIN_DIR/wf_brport"
	bpftool map create "$TB_PIN_DIR/wf_brport" type hash key 8 value 4 entries 16 \
		name wf_brport flags 1 || fail "bpftool map create" || return 1
	expect_rc 1 load --dev "$VM_DEV" --mode "$MODE" || return 1
	note "  said: $OUT"
	grep -q "map wf_brport has another layout.*value 4" <<< "$OUT" ||
		fail "the refusal does not name wf_brport and its value size: $OUT" || return 1
	[ "$(pinned_links)" = "$links0" ] || fail "a refused load changed the links" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1

	# Counters only: a new wf_stats, the rest kept.
	load_with_ctr_mapping || return 1
	rm -f "$TB_PIN_DIR/wf_stats"
	bpftool map create "$TB_PIN_DIR/wf_stats" type percpu_array key 4 value 8 entries 3 \
		name wf_stats || fail "bpftool map create" || return 1
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" || return 1
	note "  said: $OUT"
	grep -q "wf_stats has a new layout; its counters start at 0" <<< "$OUT" ||
		fail "no word of wf_stats: $OUT" || return 1
	[ "$(bpftool -j map show pinned "$TB_PIN_DIR/wf_stats" | grep -oE '"max_entries":[0-9]+')" != \
	  '"max_entries":3' ] || fail "wf_stats still the old map" || return 1
	[ ! -e "$TB_PIN_DIR/wf_stats_old" ] || fail "wf_stats_old left in the pin dir" || return 1
	expect_rc 0 stats || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
}
