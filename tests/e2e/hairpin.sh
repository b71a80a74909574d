# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# Hairpin (design.md "Hairpin"): processes in containers routed through the
# VM reach mapped ports on @vm as clients outside do, through the socket
# hooks; their traffic never crosses eth0. The hooks sit on this run's cgroup:
# container processes that should be affected run in it (in_ns_cg).

CTR2_IP=172.17.0.3

# Run a command in namespace NS as a process of this run's cgroup (a
# container's processes are in a cgroup below the root one, where load puts
# the hooks by default).
in_ns_cg()
{
	local ns=$1
	shift
	bash -c 'echo $$ > "$1/cgroup.procs" && shift && exec ip netns exec "$@"' in_ns_cg \
		"$TB_CGROUP" "$ns" "$@"
}

# A second container on docker0 with a web server; tb_down removes it too.
ctr2_up()
{
	ip netns add "$NS_CTR2" || return 1
	ip -n "$NS_CTR2" link set lo up
	tb_veth "$NS_VM" veth1ctr "$NS_CTR2" eth0 || return 1
	ip -n "$NS_VM" link set veth1ctr master docker0 up
	ip -n "$NS_CTR2" addr add "$CTR2_IP/16" dev eth0
	ip -n "$NS_CTR2" link set eth0 up
	ip -n "$NS_CTR2" route add default via "$DOCKER_GW"
	tb_http_server "$NS_CTR2" 80 ctr2 && tb_udp_echo "$NS_CTR2" 7000
}

ctr2_down()
{
	ip netns pids "$NS_CTR2" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$NS_CTR2" 2>/dev/null
	return 0
}

# GET URL from NS in the cgroup and expect the server to see PEER.
expect_http_cg()
{
	local ns=$1 url=$2 peer=$3 body
	body=$(in_ns_cg "$ns" curl -gsS --noproxy '*' --connect-timeout 3 --max-time 5 "$url" 2>&1)
	[ "$body" = "peer=$peer" ] ||
		fail "curl from ${ns#"$TB_PREFIX-"} (in the cgroup) to $url: '$body', expected peer=$peer" ||
		return 1
	note "curl ${ns#"$TB_PREFIX-"} (in the cgroup) -> $url: server saw $peer"
}

container_reaches_mapped_ports_on_vm()
{
	local out body
	fresh_load || return 1
	ctr2_up || { ctr2_down; fail "second container"; return 1; }
	wslfwd status | grep -q '^hairpin: ' || fail "status has no hairpin line: $(wslfwd status)" ||
		return 1
	add tcp 8080 @vm:18080 || return 1		# the VM's own server
	add tcp 4000 "$CTR2_IP:80" || return 1		# another container
	# (a UDP echo in the other container: the VM's own, bound to 0.0.0.0,
	# would answer a container from docker0's address, with or without us)
	add udp 7007 "$CTR2_IP:7000" || return 1
	add tcp 4001 "$CTR2_IP:80" allow 192.168.0.0/16 || return 1
	# Client addresses are kept: each server sees the calling container.
	expect_http_cg "$NS_CTR" "http://$VM_IP:8080/" "$CTR_IP" || return 1
	expect_http_cg "$NS_CTR" "http://$VM_IP:4000/" "$CTR_IP" || return 1
	# The program sees the address it used (getpeername, recvfrom).
	out=$(in_ns_cg "$NS_CTR" "$SOCKPEER" tcp "$VM_IP" 4000 2>&1)
	expect_lines "tcp $VM_IP:4000 from the container" "$out" \
		"peer=$VM_IP:4000|peer=$CTR_IP" || return 1
	out=$(in_ns_cg "$NS_CTR" "$SOCKPEER" udp "$VM_IP" 7007 hi 2>&1)
	expect_lines "udp $VM_IP:7007 from the container" "$out" "from=$VM_IP:7007 reply=hi" ||
		return 1
	# Counted as connections of their mappings.
	out=$(wslfwd -j stats 2>&1)
	[ "$(echo "$out" | grep -o '"connections": *[0-9]*' | awk -F: '{ s += $2 } END { print s + 0 }')" -ge 4 ] ||
		fail "stats do not count the hairpin connections: $out" || return 1
	# Not hairpinned: a mapping with an allow list (the source is unknown
	# at connect time), the container's own loopback, and processes outside
	# the hooks' cgroup: each meets what it would without wslfwd.
	body=$(in_ns_cg "$NS_CTR" curl -sS --max-time 3 "http://$VM_IP:4001/" 2>&1) &&
		fail "allow-listed mapping hairpinned: $body" && return 1
	body=$(in_ns_cg "$NS_CTR" curl -sS --max-time 3 "http://127.0.0.1:8080/" 2>&1) &&
		fail "the container's loopback was redirected: $body" && return 1
	body=$(in_ctr curl -sS --max-time 3 "http://$VM_IP:8080/" 2>&1) &&
		fail "a process outside the cgroup was redirected: $body" && return 1
	note "allow-listed mapping, container loopback, outside the cgroup: untouched"
	# Gone with the mapping.
	expect_rc 0 del tcp 8080 || return 1
	body=$(in_ns_cg "$NS_CTR" curl -sS --max-time 3 "http://$VM_IP:8080/" 2>&1) &&
		fail "after del, still redirected: $body" && return 1
	ctr2_down
}
