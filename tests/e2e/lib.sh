# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# Helpers for the end-to-end cases. A case is a shell function that returns 0
# when the behaviour it is named after holds; it prints what it checked and,
# on failure, why (the runner turns that into TAP diagnostics). $MODE is the
# attach mode under test (xdp, xdp-generic, tc).

# Print a diagnostic and fail the case.
fail() { echo "FAIL: $*"; return 1; }
note() { echo "$*"; }

# Unload whatever is loaded, start from an empty config, load in $MODE.
fresh_load()
{
	local out
	fresh_unloaded || return 1
	out=$(wslfwd load --dev "$VM_DEV" --mode "$MODE" 2>&1) ||
		fail "wslfwd load --dev $VM_DEV --mode $MODE: exit $?: $out" || return 1
	note "loaded --mode $MODE"
}

# fresh_load and the mapping most cases start from: tcp 4000 to the
# container's HTTP server.
load_with_ctr_mapping()
{
	fresh_load || return 1
	add tcp 4000 "$CTR_IP:80"
}

fresh_unloaded()
{
	wslfwd unload >/dev/null 2>&1
	if tb_pinned; then
		note "pins left after 'wslfwd unload': $(ls "$TB_PIN_DIR" | tr '\n' ' ') (removed)"
		rm -rf "$TB_PIN_DIR"
	fi
	rm -f "$TB_CONF"
	# A veth's default: the container's eth0 without NAPI, so its docker0
	# port takes no XDP frames until a case turns GRO on.
	in_ctr ethtool -K "$CTR_DEV" gro off >/dev/null 2>&1
	return 0
}

# Run `wslfwd ARGS...`, expect exit status RC. Output lands in $OUT.
OUT=
expect_rc()
{
	local want=$1 rc
	shift
	OUT=$(wslfwd "$@" 2>&1)
	rc=$?
	[ "$rc" = "$want" ] ||
		fail "'wslfwd $*' exited $rc, expected $want; output: $OUT" || return 1
	note "wslfwd $* -> exit $rc"
}

add()
{
	expect_rc 0 add "$@"
}

# GET URL from NS and expect the server to report the client address PEER.
expect_http()
{
	local ns=$1 url=$2 peer=$3 body rc
	body=$(tb_curl "$ns" "$url" 2>&1)
	rc=$?
	[ "$rc" = 0 ] || fail "curl from ${ns#"$TB_PREFIX-"} to $url: exit $rc: $body" || return 1
	[ "$body" = "peer=$peer" ] ||
		fail "curl from ${ns#"$TB_PREFIX-"} to $url: server saw '${body#peer=}', expected $peer" ||
		return 1
	note "curl ${ns#"$TB_PREFIX-"} -> $url: server saw $peer"
}

# GET URL from NS and expect it to fail. -g: an IPv6 URL's brackets are
# its address, not a glob that fails to parse (which would pass here).
expect_no_http()
{
	local ns=$1 url=$2 body
	if body=$(ip netns exec "$ns" curl -gsS --noproxy '*' --connect-timeout 2 --max-time 3 \
			"$url" 2>&1); then
		fail "curl from ${ns#"$TB_PREFIX-"} to $url answered: $body"
		return 1
	fi
	note "curl ${ns#"$TB_PREFIX-"} -> $url fails as expected: $body"
}

# Send one UDP datagram from NS to ADDR:PORT and expect it echoed back.
expect_udp_echo()
{
	local ns=$1 addr=$2 port=$3 msg reply
	msg="wslfwd-e2e-$RANDOM"
	reply=$(echo "$msg" | ip netns exec "$ns" timeout 5 socat -T 2 - UDP4:"$addr":"$port" 2>&1)
	[ "$reply" = "$msg" ] ||
		fail "udp ${ns#"$TB_PREFIX-"} -> $addr:$port: reply '$reply', expected '$msg'" || return 1
	note "udp ${ns#"$TB_PREFIX-"} -> $addr:$port echoed"
}

# A 2 s iperf3 from win to ADDR:PORT (forwarded to TARGET, for the note):
# it completes and the receiver counts data. No threshold: correctness
# under load, not speed.
expect_iperf3()
{
	local addr=$1 port=$2 target=$3 out rcv
	out=$(in_win timeout 20 iperf3 -c "$addr" -p "$port" -t 2 -f m 2>&1) ||
		fail "iperf3 -c $addr -p $port -t 2 failed: $out" || return 1
	rcv=$(echo "$out" |
		awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i+1) == "Mbits/sec") print $i }')
	awk -v r="${rcv:-0}" 'BEGIN { exit !(r > 0) }' ||
		fail "iperf3 receiver throughput '${rcv:-none}': $out" || return 1
	note "iperf3 through $addr:$port -> $target: $rcv Mbit/s at the receiver"
}

# Sum of every number under a key containing "packets" in JSON text (stdin).
# Good enough to see counters move without depending on the exact layout.
json_sum_packets()
{
	grep -o '"[a-z_]*packets[a-z_]*"[[:space:]]*:[[:space:]]*[0-9]\+' |
		awk -F: '{ s += $2 } END { print s + 0 }'
}

# The state a refused command must not change: the mappings the kernel holds
# (as `wslfwd -j list` shows them) and the config file's bytes.
snapshot()
{
	{
		echo "== list"
		wslfwd -j list 2>&1
		echo "== config"
		cat "$TB_CONF" 2>&1
	} > "$1"
}

# What is attached to eth0 in the vm ns, one fact a line (empty: nothing).
attachments()
{
	in_vm ip -d link show dev "$VM_DEV" | grep -E 'prog/xdp|xdpgeneric|xdpdrv|xdp ' | sed 's/^ */link: /'
	in_vm tc filter show dev "$VM_DEV" ingress 2>/dev/null | sed 's/^/tc ingress: /'
	in_vm tc filter show dev "$VM_DEV" egress 2>/dev/null | sed 's/^/tc egress: /'
	in_vm bpftool net show dev "$VM_DEV" 2>/dev/null |
		grep -vE '^(xdp|tc|flow_dissector|netfilter):$|^$' | sed 's/^/bpftool net: /'
}

# Ids of the tcx links this run's load pinned, one a line. bpftool 7.1
# (Debian 12) predates tcx: it prints the type as 11 and no device, so the
# links are found through the pins, never by scanning the machine's links
# (another run's would count).
tcx_links()
{
	local pin
	for pin in "$TB_PIN_DIR"/link_tc_*; do
		[ -e "$pin" ] || continue
		bpftool -j link show pinned "$pin" 2>/dev/null |
			grep -oE '^\{"id":[0-9]+,"type":(11|"tcx")' | grep -oE '[0-9]+' | head -1
	done | sort -n
}

# Which of the link ids given still exist.
links_alive()
{
	local id
	for id in "$@"; do
		bpftool link show id "$id" >/dev/null 2>&1 && echo "$id"
	done
}

qdiscs() { in_vm tc qdisc show dev "$VM_DEV" | grep -E 'clsact|ingress' ; }

# Dump wslfwd's own view, for diagnostics after a failure.
dump_state()
{
	echo "--- wslfwd status"; wslfwd status 2>&1
	echo "--- wslfwd list"; wslfwd list 2>&1
	echo "--- wslfwd stats"; wslfwd stats 2>&1
	echo "--- wslfwd conns"; wslfwd conns 2>&1
}
