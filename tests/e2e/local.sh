# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# Localhost both ways (issue 5): processes in the VM reaching the Windows
# host on 127.0.0.1 through the socket hooks, and servers bound to 127.0.0.1
# reached from outside through their mapping. The socket hooks sit on this
# run's cgroup (the testbed's wrapper gives `load` --cgroup); clients that
# should be affected run in it (in_vm_cg), the others outside it.

SOCKPEER=${SOCKPEER:-$TB_ROOT/build/tests/sockpeer}

# The servers of these cases, started with the others (run.sh).
local_servers()
{
	# What a VM process outside the cgroup reaches on 127.0.0.1:5432.
	tb_http_server "$NS_VM" 5432 vmlo5432 127.0.0.1 &&
	# Loopback-only servers: 8081 gets a mapping, 8082 never does.
	tb_http_server "$NS_VM" 8081 lo8081 127.0.0.1 &&
	tb_http_server "$NS_VM" 8082 lo8082 127.0.0.1 &&
	# A Windows-side UDP echo on a port where the VM has nothing.
	tb_udp_echo "$NS_WIN" 7100 &&
	# A loopback-only UDP echo in the cgroup (its replies need sendmsg4).
	tb_bg bash -c 'echo $$ > "$1/cgroup.procs" && exec ip netns exec "$2" \
		socat -T 10 UDP4-RECVFROM:7101,bind=127.0.0.1,fork PIPE' lo-udp \
		"$TB_CGROUP" "$NS_VM" &&
	tb_wait_listen "$NS_VM" udp 7101
}

# sockpeer in the vm ns: in the cgroup (cg) or not (out).
sockpeer() { local where=$1; shift; if [ "$where" = cg ]; then in_vm_cg "$SOCKPEER" "$@"; else in_vm "$SOCKPEER" "$@"; fi; }

# Expect sockpeer's output OUT to be exactly WANT (lines joined by '|').
expect_lines()
{
	local what=$1 got=$2 want=$3
	got=$(echo "$got" | paste -sd '|')
	[ "$got" = "$want" ] || fail "$what: got '$got', expected '$want'" || return 1
	note "$what: $got"
}

local_client_tcp_reaches_host_on_loopback()
{
	local out
	fresh_load || return 1
	in_vm_cg true || fail "cannot run in cgroup $TB_CGROUP" || return 1
	add tcp 127.0.0.1:5432 @host:5432 || return 1
	wslfwd status | grep -q "^sockets: .*cgroup $TB_CGROUP\$" ||
		fail "status does not name the hooks' cgroup: $(wslfwd status)" || return 1
	# The Windows service answers and sees the VM; the program still
	# believes it talks to 127.0.0.1:5432 (getpeername).
	out=$(sockpeer cg tcp 127.0.0.1 5432 2>&1)
	expect_lines "tcp 127.0.0.1:5432 in the cgroup" "$out" "peer=127.0.0.1:5432|peer=$VM_IP" ||
		return 1
	expect_lines "curl in the cgroup" "$(in_vm_cg curl -sS --max-time 5 http://127.0.0.1:5432/ 2>&1)" \
		"peer=$VM_IP" || return 1
	# Outside the cgroup nothing changes: the VM's own loopback server.
	expect_lines "curl outside the cgroup" "$(in_vm curl -sS --max-time 5 http://127.0.0.1:5432/ 2>&1)" \
		"peer=127.0.0.1" || return 1
	# Gone with the mapping.
	expect_rc 0 del tcp 127.0.0.1:5432 || return 1
	expect_lines "curl in the cgroup after del" \
		"$(in_vm_cg curl -sS --max-time 5 http://127.0.0.1:5432/ 2>&1)" "peer=127.0.0.1"
}

local_client_udp_reaches_host_on_loopback()
{
	local out
	fresh_load || return 1
	add udp 127.0.0.1:7100 @host:7100 || return 1
	# Unconnected: the reply must come from where the datagram went.
	out=$(sockpeer cg udp 127.0.0.1 7100 one 2>&1)
	expect_lines "udp sendto in the cgroup" "$out" "from=127.0.0.1:7100 reply=one" || return 1
	out=$(sockpeer cg udp-connect 127.0.0.1 7100 two 2>&1)
	expect_lines "udp connect in the cgroup" "$out" \
		"peer=127.0.0.1:7100|from=127.0.0.1:7100 reply=two" || return 1
	# Outside the cgroup 127.0.0.1:7100 is the VM's, where nothing listens:
	# the echoes above came from the Windows side.
	if out=$(sockpeer out udp-connect 127.0.0.1 7100 three 2>&1); then
		fail "udp outside the cgroup was answered: $out" || return 1
	fi
	note "udp outside the cgroup: no answer ($out)"
	wslfwd -j stats | grep -q '"connections": *[1-9]' ||
		fail "no connection counted: $(wslfwd -j stats)" || return 1
}

vm_process_reaches_its_own_mapped_port()
{
	local out
	fresh_load || return 1
	add tcp 8080 @vm:18080 || return 1
	add tcp 8088 "$CTR_IP":80 || return 1
	# Local traffic never crosses eth0's ingress: the hooks do it.
	out=$(sockpeer cg tcp "$VM_IP" 8080 2>&1)
	expect_lines "tcp @vm:8080 from the VM" "$out" "peer=$VM_IP:8080|peer=$VM_IP" || return 1
	out=$(sockpeer cg tcp "$VM_IP" 8088 2>&1)
	expect_lines "tcp @vm:8088 (container) from the VM" "$out" "peer=$VM_IP:8088|peer=$DOCKER_GW" ||
		return 1
	if out=$(sockpeer out tcp "$VM_IP" 8080 2>&1); then
		fail "outside the cgroup @vm:8080 answered: $out" || return 1
	fi
	note "outside the cgroup @vm:8080 is closed: $out"
}

loopback_only_server_reached_through_mapping()
{
	fresh_load || return 1
	add tcp 8085 127.0.0.1:8081 || return 1
	# The Windows host reaches the server bound to 127.0.0.1:8081, which
	# sees the client's own address.
	expect_http "$NS_WIN" "http://$VM_IP:8085/" "$HOST_IP" || return 1
	expect_http "$NS_LAN" "http://$VM_IP:8085/" "$LAN_IP" 2>/dev/null ||
		note "(LAN client: no route to the VM in this testbed)"
	# Nothing else on the VM's loopback: not the unmapped server, not the
	# mapped one on its own port.
	expect_no_http "$NS_WIN" "http://$VM_IP:8082/" || return 1
	expect_no_http "$NS_WIN" "http://$VM_IP:8081/" || return 1
	wslfwd -j stats | grep -q '"connections": *[1-9]' ||
		fail "no connection counted: $(wslfwd -j stats)" || return 1
	expect_rc 0 del tcp 8085 || return 1
	expect_no_http "$NS_WIN" "http://$VM_IP:8085/"
}

loopback_only_udp_server_reached_through_mapping()
{
	fresh_load || return 1
	add udp 7105 127.0.0.1:7101 || return 1
	# socat's client is connected: only a reply from $VM_IP:7105 counts.
	expect_udp_echo "$NS_WIN" "$VM_IP" 7105 || return 1
	expect_udp_echo "$NS_WIN" "$VM_IP" 7105
}

local_and_loopback_bad_input_exit_2()
{
	local before after
	fresh_load || return 1
	snapshot "$TB_TMP/before"
	expect_rc 2 add tcp 127.0.0.1:5432 @host:5432 allow 10.0.0.0/8 || return 1
	expect_rc 2 add tcp 127.0.0.1:5432 @host:5432 snat always || return 1
	expect_rc 2 add tcp 8085 127.0.0.1:8081 snat never || return 1
	expect_rc 2 add tcp 127.0.0.1:5432 127.0.0.1:5432 || return 1
	expect_rc 2 add tcp 5432 '[::1]:5432' || return 1
	expect_rc 2 add tcp '[::1]:5432' '[fd00::1]:5432' allow fd00::/8 || return 1
	snapshot "$TB_TMP/after"
	before=$(cat "$TB_TMP/before") after=$(cat "$TB_TMP/after")
	[ "$before" = "$after" ] || fail "a refused add changed state" || return 1
	note "refused adds changed nothing"
	# Without socket hooks a local-client mapping is accepted with a warning.
	fresh_unloaded
	expect_rc 0 load --dev "$VM_DEV" --mode "$MODE" --cgroup none || return 1
	wslfwd status | grep -q '^sockets: *no socket hooks' ||
		fail "status with --cgroup none: $(wslfwd status)" || return 1
	expect_rc 0 add tcp 127.0.0.1:5432 @host:5432 || return 1
	echo "$OUT" | grep -q 'needs the socket hooks' ||
		fail "no warning for a local-client mapping without hooks: $OUT" || return 1
	note "without hooks: $OUT"
}
