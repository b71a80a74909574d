# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# WSL life (issue 4): `watch` following @vm/@host while traffic flows, its
# signals, the device going away and coming back, the netsh front end, the
# Windows side, and the networking mode in `status`. Each case restores the
# testbed's addresses and stops its watcher on exit, also on failure.

NEW_VM_IP=172.22.22.7		# the VM's next address, same /20
HOST2_IP=172.22.16.2		# the gateway moves here (a second address on vswitch)
WATCH_PID=
WATCH_LOG=

# Poll CMD... every 50 ms for up to SECS seconds; prints the seconds it took.
wait_for()
{
	local secs=$1 t0 now
	shift
	t0=$(date +%s%N)
	while :; do
		if "$@" >/dev/null 2>&1; then
			now=$(date +%s%N)
			awk -v d="$((now - t0))" 'BEGIN { printf "%.2f\n", d / 1e9 }'
			return 0
		fi
		now=$(date +%s%N)
		[ $((now - t0)) -ge $((secs * 1000000000)) ] && return 1
		sleep 0.05
	done
}

# `wslfwd watch ARGS` in the background, as the VM would run it.
watch_start()
{
	WATCH_LOG=$TB_TMP/watch.log
	: > "$WATCH_LOG"
	tb_vm_exec_bg "$WSLFWD_BIN" ${WATCH_VERBOSE:-} --pin-dir "$TB_PIN_DIR" --config "$TB_CONF" watch "$@" \
		>> "$WATCH_LOG" 2>&1
	WATCH_PID=$TB_VM_PID
	wait_for 5 grep -q 'watching' "$WATCH_LOG" >/dev/null ||
		fail "watch did not start: $(cat "$WATCH_LOG")" || return 1
	note "watch $* running (pid $WATCH_PID)"
}

# SIGTERM the watcher; its exit status in WATCH_RC.
WATCH_RC=
watch_stop()
{
	[ -n "$WATCH_PID" ] || return 0
	kill -TERM "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID"
	WATCH_RC=$?
	WATCH_PID=
}

# Back to the testbed's layout: eth0 has VM_IP only, default via HOST_IP,
# vswitch has no HOST2_IP; no watcher left running.
wsl_restore()
{
	[ -n "$WATCH_PID" ] && { kill -KILL "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null; }
	WATCH_PID=
	in_vm ip addr add "$VM_IP/$SWITCH_PLEN" dev "$VM_DEV" 2>/dev/null
	in_vm ip addr del "$NEW_VM_IP/$SWITCH_PLEN" dev "$VM_DEV" 2>/dev/null
	in_vm ip route replace default via "$HOST_IP" dev "$VM_DEV"
	in_win ip addr del "$HOST2_IP/$SWITCH_PLEN" dev vswitch 2>/dev/null
	[ -n "$UDP_CLIENT_PID" ] && kill "$UDP_CLIENT_PID" 2>/dev/null
	UDP_CLIENT_PID=
	return 0
}

# A long UDP exchange: one flow (fixed source port) from NS to ADDR:PORT, a
# datagram every 100 ms; each line of LOG is "seq reply" ("none": no answer).
UDP_CLIENT_PID=
udp_client_start()
{
	local ns=$1 addr=$2 port=$3 log=$4
	: > "$log"
	tb_bg ip netns exec "$ns" bash -c '
		i=0
		while :; do
			i=$((i + 1))
			r=$(echo "$i" | timeout 1 socat -T 0.3 - UDP4:"$1":"$2",sourceport=40123,reuseaddr 2>/dev/null)
			echo "$i ${r:-none}" >> "$3"
			sleep 0.1
		done' udp_client "$addr" "$port" "$log"
	UDP_CLIENT_PID=$!
}

status_has() { wslfwd status 2>&1 | grep -q "$1"; }
list_has() { wslfwd list 2>&1 | grep -q -- "$1"; }

# ---------------------------------------------------------------- cases

watch_follows_vm_readdress_and_reapplies_windows()
{
	local t log=$TB_TMP/udp-readdress.log ps=$TB_TMP/winbin
	trap wsl_restore EXIT
	fresh_load || return 1
	add udp 7101 @vm:7000 || return 1
	add tcp 4101 @vm:18080 || return 1
	mkdir -p "$ps"
	printf '#!/bin/sh\nprintf "%%s\\n" "$@" >> %s/ps.args\n' "$TB_TMP" > "$ps/powershell.exe"
	chmod +x "$ps/powershell.exe"
	rm -f "$TB_TMP/ps.args"
	PATH="$ps:$PATH" watch_start --windows || return 1
	wait_for 3 grep -q "connectaddress=$VM_IP " "$TB_TMP/ps.args" >/dev/null ||
		fail "watch --windows did not apply the Windows side at start" || return 1
	note "watch --windows applied at start: connectaddress=$VM_IP"
	# The client talks to the address the VM is about to get.
	udp_client_start "$NS_PEER" "$NEW_VM_IP" 7101 "$log"
	sleep 0.5
	in_vm sysctl -qw net.ipv4.conf."$VM_DEV".promote_secondaries=1
	in_vm ip addr add "$NEW_VM_IP/$SWITCH_PLEN" dev "$VM_DEV" || return 1
	in_vm ip addr del "$VM_IP/$SWITCH_PLEN" dev "$VM_DEV" || return 1
	in_vm ip route replace default via "$HOST_IP" dev "$VM_DEV"
	t=$(wait_for 2 status_has "@vm: *$NEW_VM_IP") ||
		fail "@vm did not follow to $NEW_VM_IP within 2 s; log: $(cat "$WATCH_LOG")" || return 1
	note "@vm followed in $t s"
	t=$(wait_for 2 grep -q "[0-9] [0-9]" "$log") ||
		fail "the UDP exchange to $NEW_VM_IP:7101 got no answer within 2 s: $(tail -3 "$log")" ||
		return 1
	note "UDP to the new @vm answered within $t s of the change"
	grep -q "@vm $VM_IP -> $NEW_VM_IP" "$WATCH_LOG" ||
		fail "watch did not log the change: $(cat "$WATCH_LOG")" || return 1
	expect_http "$NS_PEER" "http://$NEW_VM_IP:4101/" "$PEER_IP" || return 1
	expect_http "$NS_WIN" "http://$NEW_VM_IP:4101/" "$HOST_IP" || return 1
	wait_for 3 grep -q "connectaddress=$NEW_VM_IP " "$TB_TMP/ps.args" >/dev/null ||
		fail "watch --windows did not re-apply with the new @vm: $(grep -c connectaddress "$TB_TMP/ps.args")" ||
		return 1
	note "watch --windows re-applied: connectaddress=$NEW_VM_IP"
	# And back: the mapping follows again.
	in_vm ip addr add "$VM_IP/$SWITCH_PLEN" dev "$VM_DEV"
	in_vm ip addr del "$NEW_VM_IP/$SWITCH_PLEN" dev "$VM_DEV"
	in_vm ip route replace default via "$HOST_IP" dev "$VM_DEV"
	wait_for 2 status_has "@vm: *$VM_IP" >/dev/null || fail "@vm did not follow back" || return 1
	expect_udp_echo "$NS_PEER" "$VM_IP" 7101 || return 1
	watch_stop
	[ "$WATCH_RC" = 0 ] || fail "watch exited $WATCH_RC on SIGTERM" || return 1
}

watch_follows_host_move_with_udp_flowing()
{
	local t log=$TB_TMP/udp-host.log before after
	trap wsl_restore EXIT
	fresh_load || return 1
	add udp 7201 @host:7200 || return 1
	add tcp 4201 @host:5433 || return 1
	add tcp 127.0.0.1:5433 @host:5433 || return 1
	# Two Windows-side servers that say which address they are.
	tb_bg ip netns exec "$NS_WIN" socat UDP4-LISTEN:7200,bind="$HOST_IP",fork,reuseaddr SYSTEM:'read l; echo A$l'
	in_win ip addr add "$HOST2_IP/$SWITCH_PLEN" dev vswitch || return 1
	tb_bg ip netns exec "$NS_WIN" socat UDP4-LISTEN:7200,bind="$HOST2_IP",fork,reuseaddr SYSTEM:'read l; echo B$l'
	tb_wait_listen "$NS_WIN" udp 7200 || return 1
	# A TCP service only the new @host has.
	tb_bg ip netns exec "$NS_WIN" socat TCP4-LISTEN:5433,bind="$HOST2_IP",fork,reuseaddr SYSTEM:'echo B'
	tb_wait_listen "$NS_WIN" tcp 5433 || return 1
	watch_start || return 1
	udp_client_start "$NS_PEER" "$VM_IP" 7201 "$log"
	wait_for 3 grep -q " A" "$log" >/dev/null ||
		fail "no answer from @host $HOST_IP before the move: $(tail -3 "$log")" || return 1
	before=$(wc -l < "$log")
	in_vm ip route replace default via "$HOST2_IP" dev "$VM_DEV" || return 1
	t=$(wait_for 2 status_has "@host: *$HOST2_IP") ||
		fail "@host did not follow to $HOST2_IP within 2 s; log: $(cat "$WATCH_LOG")" || return 1
	note "@host followed in $t s"
	t=$(wait_for 2 grep -q " B" "$log") ||
		fail "the running UDP flow did not move to $HOST2_IP within 2 s: $(tail -5 "$log")" || return 1
	after=$(grep -n -m1 " B" "$log" | cut -d: -f1)
	note "the same UDP flow (source port 40123) answered by the new @host within $t s (datagram $after; $before sent before the move)"
	grep -q "@host $HOST_IP -> $HOST2_IP" "$WATCH_LOG" ||
		fail "watch did not log the change: $(cat "$WATCH_LOG")" || return 1
	# New TCP connections go to the new @host (5433 listens on it only).
	t=$(in_peer timeout 5 socat -T 2 -u TCP4:"$VM_IP":4201 - 2>&1)
	[ "$t" = B ] || fail "new TCP connection to 4201 did not reach $HOST2_IP:5433: '$t'" || return 1
	note "new TCP connection reached $HOST2_IP:5433"
	# So do VM programs connecting to 127.0.0.1:5433 (the socket hooks).
	t=$(in_vm_cg timeout 5 socat -T 2 -u TCP4:127.0.0.1:5433 - 2>&1)
	[ "$t" = B ] || fail "VM client on 127.0.0.1:5433 did not reach $HOST2_IP:5433: '$t'" || return 1
	note "VM client on 127.0.0.1:5433 reached $HOST2_IP:5433"
	watch_stop
}

watch_sighup_reloads_config()
{
	local t
	trap wsl_restore EXIT
	fresh_load || return 1
	add tcp 4301 @vm:18080 || return 1
	add tcp 4302 "$CTR_IP:80" || return 1
	watch_start || return 1
	expect_rc 0 -j list || return 1
	local id302
	id302=$(echo "$OUT" | grep -o '"id":[0-9]*,"proto":"tcp","listen":"@vm:4302"' | grep -o '[0-9]*' | head -1)
	# Remove 4301, add 4303, keep 4302.
	printf '# edited by hand\ntcp 4302 %s:80\ntcp 4303 @vm:18080\n' "$CTR_IP" > "$TB_CONF"
	kill -HUP "$WATCH_PID"
	t=$(wait_for 2 list_has ":4303") ||
		fail "4303 not added within 2 s of SIGHUP: $(cat "$WATCH_LOG")" || return 1
	note "SIGHUP applied in $t s"
	expect_rc 0 list || return 1
	echo "$OUT" | grep -q ":4301" && fail "4301 still mapped after its line was removed: $OUT" && return 1
	expect_http "$NS_WIN" "http://$VM_IP:4303/" "$HOST_IP" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4302/" "$HOST_IP" || return 1
	expect_no_http "$NS_WIN" "http://$VM_IP:4301/" || return 1
	if [ -n "$id302" ]; then
		expect_rc 0 -j list || return 1
		echo "$OUT" | grep -q "\"id\":$id302," || fail "the untouched line changed id: $OUT" || return 1
	fi
	# A bad config: logged, nothing changes, watch keeps running.
	echo "tcp 99999 @vm:1" >> "$TB_CONF"
	snapshot "$TB_TMP/before"
	kill -HUP "$WATCH_PID"
	wait_for 2 grep -q "keeping the current mappings" "$WATCH_LOG" >/dev/null ||
		fail "bad config not reported: $(cat "$WATCH_LOG")" || return 1
	expect_rc 0 list || return 1
	echo "$OUT" | grep -q ":4303" || fail "bad config changed the mappings: $OUT" || return 1
	kill -0 "$WATCH_PID" || fail "watch died on a bad config" || return 1
	note "bad config: $(grep 'keeping' "$WATCH_LOG")"
	watch_stop
}

watch_sigterm_leaves_datapath_and_restart_continues()
{
	trap wsl_restore EXIT
	fresh_load || return 1
	add tcp 4401 "$CTR_IP:80" || return 1
	watch_start || return 1
	watch_stop
	[ "$WATCH_RC" = 0 ] || fail "watch exited $WATCH_RC on SIGTERM, expected 0" || return 1
	grep -q "stays loaded" "$WATCH_LOG" || fail "no exit message: $(cat "$WATCH_LOG")" || return 1
	tb_pinned || fail "pins gone after watch exited" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4401/" "$HOST_IP" || return 1
	note "datapath still forwards after SIGTERM"
	# A new watcher picks up from the pins and follows a change.
	watch_start || return 1
	in_win ip addr add "$HOST2_IP/$SWITCH_PLEN" dev vswitch || return 1
	in_vm ip route replace default via "$HOST2_IP" dev "$VM_DEV" || return 1
	wait_for 2 status_has "@host: *$HOST2_IP" >/dev/null ||
		fail "restarted watch did not follow @host: $(cat "$WATCH_LOG")" || return 1
	note "restarted watch followed @host to $HOST2_IP"
	watch_stop
	[ "$WATCH_RC" = 0 ] || fail "second watch exited $WATCH_RC" || return 1
}

watch_reattaches_when_device_comes_back()
{
	local old new t c
	trap wsl_restore EXIT
	fresh_load || return 1
	add tcp 4501 "$CTR_IP:80" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4501/" "$HOST_IP" || return 1
	old=$(in_vm cat /sys/class/net/"$VM_DEV"/ifindex)
	watch_start || return 1
	tb_vm_eth0_recreate || fail "cannot recreate eth0" || return 1
	new=$(in_vm cat /sys/class/net/"$VM_DEV"/ifindex)
	t=$(wait_for 3 grep -q "re-attached to $VM_DEV" "$WATCH_LOG") ||
		fail "not re-attached to eth0 (ifindex $old -> $new) within 3 s: $(cat "$WATCH_LOG")" ||
		return 1
	note "re-attached to the new eth0 (ifindex $old -> $new) in $t s: $(grep -i attach "$WATCH_LOG" | tr "\n" ";")"
	status_has "ifindex $new" || fail "status does not show ifindex $new" || return 1
	[ "$MODE" = tc ] || status_has "^redirect: *auto" ||
		fail "--redirect auto lost across the re-attach: $(wslfwd status)" || return 1
	c=$(attachments)
	case $MODE in
	xdp|xdp-generic) echo "$c" | grep -q xdp || fail "no XDP on the new eth0: $c" || return 1 ;;
	esac
	tb_wait_ping "$NS_WIN" "$VM_IP" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4501/" "$HOST_IP" || return 1
	expect_rc 0 list || return 1
	echo "$OUT" | grep -q "4501" || fail "mapping lost across the re-attach: $OUT" || return 1
	watch_stop
	[ "$WATCH_RC" = 0 ] || fail "watch exited $WATCH_RC" || return 1
	expect_rc 0 unload || return 1
	[ -z "$(attachments)" ] || fail "unload left attachments: $(attachments)" || return 1
}

# Turn GRO $1 (on|off) in the container and wait up to 3 s for status to
# match $2: a failure says $3 and watch's log, a success notes $4 and the
# seconds it took.
ctr_gro_until()
{
	local t
	in_ctr ethtool -K "$CTR_DEV" gro "$1" >/dev/null || return 1
	t=$(wait_for 3 status_has "$2") ||
		fail "GRO $1: $3; log: $(cat "$WATCH_LOG")" || return 1
	note "$4 after $t s"
}

# --redirect auto under watch: the container turning GRO on makes its
# docker0 port a redirect target (the kernel's xdp-features change, netdev
# notification), turning it off takes the port out again before packets
# could be lost to a veth without NAPI; connections work throughout.
watch_follows_the_devices_that_take_xdp_frames()
{
	local d
	[ "$MODE" != tc ] || { note "tc mode never redirects"; return 0; }
	trap wsl_restore EXIT
	load_with_ctr_mapping || return 1
	watch_start || return 1
	status_has "^redirect: *auto: no device" || fail "GRO off at start: $(wslfwd status)" || return 1
	ctr_gro_until on "^redirect: *auto: .*$VM_CTR_PORT" \
		"$VM_CTR_PORT not a redirect target within 3 s" \
		"GRO on in the container: $VM_CTR_PORT a redirect target" || return 1
	d=$(docker0_tx_for_http) || return 1
	[ "$d" -le 2 ] || fail "GRO on: $d packets still went through docker0" || return 1
	ctr_gro_until off "^redirect: *auto: no device" \
		"$VM_CTR_PORT still a redirect target after 3 s" "GRO off again: out" || return 1
	d=$(docker0_tx_for_http) || return 1
	[ "$d" -ge 15 ] || fail "GRO off: only $d packets through docker0" || return 1
	grep -q "redirect: $VM_CTR_PORT" "$WATCH_LOG" ||
		fail "watch did not log the change: $(cat "$WATCH_LOG")" || return 1
	watch_stop
	[ "$WATCH_RC" = 0 ] || fail "watch exited $WATCH_RC on SIGTERM" || return 1
}

netsh_add_show_delete_round_trip()
{
	fresh_load || return 1
	expect_rc 0 netsh interface portproxy add v4tov4 listenport=4601 listenaddress=0.0.0.0 \
		connectport=80 connectaddress="$CTR_IP" || return 1
	expect_rc 0 list || return 1
	echo "$OUT" | grep -q "4601" || fail "netsh add not in list: $OUT" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4601/" "$HOST_IP" || return 1
	expect_rc 0 netsh interface portproxy show all || return 1
	echo "$OUT" | grep -q "^Listen on ipv4: *Connect to ipv4:" || fail "no netsh header: $OUT" || return 1
	echo "$OUT" | grep -qE "^0\.0\.0\.0 +4601 +$CTR_IP +80$" || fail "no row for 4601: $OUT" || return 1
	note "show all: $(echo "$OUT" | grep 4601)"
	expect_rc 0 netsh int portproxy set v4tov4 listenport=4601 connectaddress=@vm connectport=18080 ||
		return 1
	expect_http "$NS_WIN" "http://$VM_IP:4601/" "$HOST_IP" || return 1
	snapshot "$TB_TMP/before"
	expect_rc 2 netsh interface portproxy add v4tov4 listenport=4602 conectaddress=1.2.3.4 || return 1
	echo "$OUT" | grep -q "conectaddress=1.2.3.4" || fail "error does not name the bad word: $OUT" || return 1
	snapshot "$TB_TMP/after"
	cmp -s "$TB_TMP/before" "$TB_TMP/after" || fail "refused netsh changed state" || return 1
	expect_rc 0 netsh interface portproxy delete v4tov4 listenport=4601 || return 1
	expect_rc 0 netsh interface portproxy show all || return 1
	echo "$OUT" | grep -q 4601 && fail "4601 still shown after delete: $OUT" && return 1
	expect_no_http "$NS_WIN" "http://$VM_IP:4601/" || return 1
	grep -q 4601 "$TB_CONF" && fail "4601 still in the config" && return 1
	return 0
}

windows_prints_lines_and_apply_calls_powershell()
{
	local ps=$TB_TMP/winbin2 args=$TB_TMP/ps2.args
	fresh_load || return 1
	add tcp 4701 "$CTR_IP:80" || return 1
	add udp 7701 @vm:7000 || return 1
	expect_rc 0 windows || return 1
	echo "$OUT" | grep -qx "netsh interface portproxy add v4tov4 listenaddress=0.0.0.0 listenport=4701 connectaddress=$VM_IP connectport=4701" ||
		fail "no portproxy line for 4701: $OUT" || return 1
	echo "$OUT" | grep -q "New-NetFirewallRule .*-LocalPort 4701 -Action Allow" ||
		fail "no firewall rule: $OUT" || return 1
	echo "$OUT" | grep -q "New-NetFirewallHyperVRule .*-VMCreatorId '{40E0AC32-46A5-438A-A0B2-2B479E8F2E90}' -Protocol TCP -LocalPorts 4701" ||
		fail "no Hyper-V rule: $OUT" || return 1
	echo "$OUT" | grep -q "udp 7701.*TCP only" || fail "UDP mapping not explained: $OUT" || return 1
	echo "$OUT" | grep -q "portproxy.*listenport=7701" && fail "portproxy line for UDP: $OUT" && return 1
	expect_rc 0 -j windows || return 1
	echo "$OUT" | grep -q '"commands":\["netsh interface portproxy add v4tov4' ||
		fail "JSON lacks the commands: $OUT" || return 1
	# --apply through a stand-in powershell.exe first on PATH.
	mkdir -p "$ps"
	printf '#!/bin/sh\nprintf "%%s\\n" "$@" > %s\n' "$args" > "$ps/powershell.exe"
	chmod +x "$ps/powershell.exe"
	OUT=$(PATH="$ps:$PATH" wslfwd windows --apply 2>&1) || fail "windows --apply: $OUT" || return 1
	[ "$(sed -n 1,3p "$args" | tr '\n' ' ')" = "-NoProfile -NonInteractive -Command " ] ||
		fail "powershell.exe arguments: $(head -3 "$args")" || return 1
	grep -q "netsh interface portproxy add v4tov4 listenaddress=0.0.0.0 listenport=4701 connectaddress=$VM_IP connectport=4701" "$args" ||
		fail "script lacks the portproxy line: $(cat "$args")" || return 1
	note "powershell.exe got: $(sed -n 1,3p "$args" | tr '\n' ' ')+ script of $(wc -c < "$args") bytes"
	# Without interop: exit 1, saying so.
	printf '#!/bin/sh\nexit 1\n' > "$ps/powershell.exe"
	OUT=$(PATH="$ps:$PATH" wslfwd windows --apply 2>&1)
	[ $? = 1 ] || fail "failing powershell.exe: expected exit 1: $OUT" || return 1
	OUT=$(PATH=/usr/sbin:/usr/bin:/sbin:/bin wslfwd windows --apply 2>&1)
	[ $? = 1 ] && echo "$OUT" | grep -q "interop" ||
		fail "no powershell.exe: expected exit 1 naming interop: $OUT" || return 1
	note "without powershell.exe: $OUT"
}

status_says_nat_with_wsl_marker()
{
	local root=$TB_TMP/wslroot
	fresh_load || return 1
	expect_rc 0 status || return 1
	echo "$OUT" | grep -q "^networking: *unknown (not WSL" ||
		fail "outside WSL status should say unknown/not WSL: $OUT" || return 1
	mkdir -p "$root/run/WSL"
	OUT=$(WSLFWD_ROOT=$root wslfwd status 2>&1) || fail "status: $OUT" || return 1
	echo "$OUT" | grep -q "^networking: *nat (WSL (/run/WSL); eth0 $VM_IP/$SWITCH_PLEN is in 172.16.0.0/12 and the default gateway $HOST_IP" ||
		fail "status does not say nat: $OUT" || return 1
	note "$(echo "$OUT" | grep networking)"
	OUT=$(WSLFWD_ROOT=$root wslfwd -j status 2>&1)
	echo "$OUT" | grep -q '"networking":"nat"' || fail "JSON: $OUT" || return 1
	mkdir -p "$root/usr/bin"
	printf '#!/bin/sh\n[ "$1" = --networking-mode ] && echo mirrored\n' > "$root/usr/bin/wslinfo"
	chmod +x "$root/usr/bin/wslinfo"
	OUT=$(WSLFWD_ROOT=$root wslfwd status 2>&1)
	echo "$OUT" | grep -q "^networking: *mirrored (.*wslinfo" ||
		fail "wslinfo's answer not preferred: $OUT" || return 1
	note "$(echo "$OUT" | grep networking)"
}

# Mirrored mode mirrors Windows' adapters: the default route may be on a
# device other than eth0 (here a veth, wlan7). Without --dev, load takes the one carrying the
# default route, and status says which and why; with --dev eth0 it says
# what the default would have been.
load_without_dev_takes_the_default_routes_device()
{
	local rc
	fresh_unloaded
	# a veth pair inside the vm ns: what a second adapter looks like here
	# (no module to load, unlike dummy)
	ip -n "$NS_VM" link add wlan7 type veth peer name wlan7p &&
		ip -n "$NS_VM" addr add 10.77.0.2/24 dev wlan7 &&
		ip -n "$NS_VM" link set wlan7p up && ip -n "$NS_VM" link set wlan7 up &&
		ip -n "$NS_VM" route replace default via 10.77.0.1 dev wlan7 ||
		{ fail "cannot move the default route to wlan7"; default_route_back; return 1; }
	default_dev_checks
	rc=$?
	default_route_back
	return "$rc"
}

default_route_back()
{
	wslfwd unload >/dev/null 2>&1
	ip -n "$NS_VM" link del wlan7 2>/dev/null
	ip -n "$NS_VM" route replace default via "$HOST_IP" dev "$VM_DEV"
}

default_dev_checks()
{
	expect_rc 0 load --mode auto || return 1
	grep -q "device wlan7: it carries the IPv4 default route" <<< "$OUT" ||
		fail "load did not say which device and why: $OUT" || return 1
	expect_rc 0 status || return 1
	grep -q "^device: *wlan7" <<< "$OUT" && grep -q "(it carries the IPv4 default route)" <<< "$OUT" ||
		fail "status: $OUT" || return 1
	note "$(grep -A1 '^device:' <<< "$OUT" | paste -sd ' ')"
	expect_rc 0 unload || return 1
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" || return 1
	expect_rc 0 status || return 1
	grep -q "given with --dev; without it load takes wlan7" <<< "$OUT" ||
		fail "status with --dev eth0: $OUT" || return 1
}
