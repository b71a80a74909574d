#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `sudo make bench` (`make bench QUICK=1` for a short run): every way of
# forwarding a port of the WSL-like VM to a backend behind it, measured in
# one run on the testbed (tests/testbed.sh) under one offload profile:
#
#   route        kernel routing, no NAT (win routes the docker subnet via the VM)
#   nft          nftables DNAT in the vm ns
#   socat        socat in the vm ns (a userspace proxy, like netsh portproxy)
#   xdp, xdp-generic, tc     wslfwd load --mode M; add ... 172.17.0.2:...
#                (the default --redirect auto: with GRO on the container's
#                eth0 the kernel reports its docker0 port able to take XDP
#                frames, so XDP modes redirect straight to it, past docker0)
#   xdp-stack    wslfwd xdp with --redirect none: XDP rewrites, the stack
#                routes (what xdp does where no device takes XDP frames)
#   redirect     reference: a plain XDP redirect (no NAT) from eth0 to the
#                container's veth (packet rate only)
#   floor        the generator alone, packets dropped by XDP at the VM's eth0
#   onearm-nft, onearm-xdp, onearm-tc   the target back out of eth0 (a server
#                in the peer ns): nftables DNAT+masquerade vs wslfwd
#   route6, nft6, xdp6, tc6   the same over IPv6 to the container's IPv6
#                address (wslfwd: add ... @vm6:P [fd00:17::2]:P; nftables
#                ip6 DNAT); no latency rows (sockperf 3.7 has no IPv6)
#   socat-6to4, xdp-6to4, tc-6to4   an IPv6 client to the container's IPv4
#                address: socat TCP6-LISTEN -> TCP4 and UDP6-RECV -> UDP4-SENDTO
#                vs wslfwd v6tov4 (add ... @vm6:P 172.17.0.2:P); no latency
#                rows (sockperf), no new-flow-per-packet rate (v6tov4 takes an
#                SNAT port per flow, as one-arm does)
#   rtd-route, rtd-redirect, rtd-nft, rtd-xdp, rtd-tc   a backend routed by
#                the VM over a veth of its own, no bridge (tests/testbed.sh
#                tb_rtd_up: 10.99.0.2/32 on veth0rtd), the way Podman, LXD
#                and Kubernetes CNIs attach workloads: kernel routing, a
#                plain XDP redirect to veth0rtd (ref.), nftables DNAT, and
#                wslfwd xdp (--redirect auto: GRO on at the backend's eth0,
#                so it redirects to veth0rtd) and tc. Each has an nginx port
#                of its own (8101-8104), so no variant's connections meet
#                another's TIME_WAITs (see the servers below)
#
# Repetitions are interleaved (every variant, then again) and the medians
# reported. bench/report.sh writes bench/results/{bench.md,bench.json,bench.png}.
# Environment: QUICK=1, BENCH_REPS=N, BENCH_VARIANTS="...", BENCH_RESULTS=DIR.
#
# Traffic stays between this run's namespaces; trafgen sends only on the
# win-side veth of the VM's eth0. Numbers on a shared 2-core machine are
# noisy: compare ratios measured in the same run.

set -u
[ -n "${BENCH_TRACE:-}" ] && { PS4='+ $EPOCHREALTIME '; set -x; }
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
TB_PREFIX=${TB_PREFIX:-wfb$$}
# The xdp variants are native XDP, whose XDP_TX out of a veth eth0 needs an
# XDP program on the switch side (tests/testbed.sh): give it one, as before.
TB_PEER_XDP=${TB_PEER_XDP:-1}
# shellcheck source-path=SCRIPTDIR source=../tests/testbed.sh
. "$BENCH_DIR/../tests/testbed.sh"

RESULTS=${BENCH_RESULTS:-$BENCH_DIR/results}
case ${QUICK:-0} in ''|0|no|false) QUICK=0 ;; *) QUICK=1 ;; esac
if [ "$QUICK" = 1 ]; then
	REPS=${BENCH_REPS:-1}; T_TCP=1; T_CPS=1; T_LAT=1; PPS_WARM=0.2; PPS_WIN=0.5
else
	REPS=${BENCH_REPS:-3}; T_TCP=2; T_CPS=2; T_LAT=2; PPS_WARM=0.3; PPS_WIN=1
fi
VARIANTS="floor redirect route nft socat xdp xdp-stack xdp-generic tc onearm-nft onearm-xdp onearm-tc"
VARIANTS="$VARIANTS route6 nft6 xdp6 tc6 socat-6to4 xdp-6to4 tc-6to4"
VARIANTS="$VARIANTS rtd-route rtd-redirect rtd-nft rtd-xdp rtd-tc"
# QUICK keeps the one-arm comparison to its main pair (nftables vs wslfwd
# xdp), IPv6 to routing, nftables and xdp, IPv6-to-IPv4 to socat and xdp,
# and the routed backend to routing, nftables and xdp.
[ "$QUICK" = 1 ] && VARIANTS=${VARIANTS/ onearm-tc/} && VARIANTS=${VARIANTS/ tc6/} &&
	VARIANTS=${VARIANTS/ tc-6to4/} && VARIANTS=${VARIANTS/ rtd-redirect/} &&
	VARIANTS=${VARIANTS% rtd-tc}
VARIANTS=${BENCH_VARIANTS:-$VARIANTS}
# Request/response pairs on different CPUs, the same way in every run.
CPU_CLI=0 CPU_SRV=1
[ "$(nproc)" -ge 2 ] || CPU_SRV=0
SCALE_MAPPINGS=10000
SCALE_CONNS=1048576

# Ports: on the VM (what clients use) and on the targets (ctr / peer).
P_HTTP=8080 P_HTTP_T=80 P_HTTP_R=81 P_IPERF=5201 P_LAT=11111 P_SINK=9
# The routed backend's nginx ports, one per variant (rtd_http_t).
P_RTD_ROUTE=8101 P_RTD_NFT=8102 P_RTD_XDP=8103 P_RTD_TC=8104
# Sources of the new-flow-per-packet stream: 17 addresses of win x 64512
# ports, so flows repeat only after 1,096,704 packets.
TG_SRC_NET=172.22.17 TG_SRC_FIRST=2 TG_SRC_LAST=18
# ... and over IPv6 from fd00:22::1:2 to fd00:22::1:12 (the last byte
# counted up by trafgen).
TG_SRC_NET6=fd00:22::1:

die() { echo "bench: $*" >&2; exit 1; }
blog() { echo "# $(date +%T) $*" >&2; }

[ "$(id -u)" = 0 ] || die "must run as root (namespaces, BPF): sudo make bench"
[ -x "$WSLFWD_BIN" ] || die "$WSLFWD_BIN not built; run make"
for t in nft trafgen wrk sockperf iperf3 socat nginx gnuplot jq clang ethtool bpftool taskset; do
	command -v "$t" >/dev/null || die "$t missing: run 'sudo sh bench/deps.sh' (and tests/deps.sh)"
done

T_START=$(date +%s)
blog "building the testbed (prefix $TB_PREFIX), quick=$QUICK reps=$REPS"
# The routed backend only when a variant uses it.
RTD=0
[[ " $VARIANTS " == *" rtd-"* ]] && RTD=1
TB_RTD=$RTD tb_up || die "testbed setup failed"
RAW=$TB_TMP/raw.tsv META=$TB_TMP/meta.tsv OFFL=$TB_TMP/offloads.txt
: > "$RAW"; : > "$META"; : > "$OFFL"
meta() { printf '%s\t%s\n' "$1" "$2" >> "$META"; }

# ---- the common offload profile, the same for every variant -------------
# Native XDP on eth0 turns TSO off on its peer (vmport0), so it is off for
# all. eth0 and the container's eth0 get GRO (and with it NAPI, as a real
# NIC has; it also lets an XDP redirect into veth0ctr be delivered).
in_win ethtool -K "$WIN_VM_PORT" tso off >/dev/null 2>&1
in_vm ethtool -K "$VM_DEV" gro on >/dev/null
in_ctr ethtool -K "$CTR_DEV" gro on >/dev/null
in_peer ethtool -K "$PEER_DEV" gro on >/dev/null
[ "$RTD" = 1 ] && in_rtd ethtool -K "$RTD_DEV" gro on >/dev/null
# Clients: many short connections from one namespace.
in_win sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1
# Forwarding out of the interface a packet came in on (one-arm) would have
# the VM send ICMP redirects; a NAT box does not want them.
in_vm sysctl -qw net.ipv4.conf.all.send_redirects=0 net.ipv4.conf."$VM_DEV".send_redirects=0
# Kernel routing: win reaches the docker subnet through the VM.
in_win ip route add "$DOCKER_NET" via "$VM_IP" dev vswitch || die "route"
in_win ip -6 route replace "$DOCKER_NET6" via "$VM_IP6" dev vswitch || die "route6"
# ... and the routed backend's /32 the same way.
[ "$RTD" = 1 ] && { in_win ip route add "$RTD_IP/32" via "$VM_IP" dev vswitch || die "route rtd"; }
# The addresses the new-flow stream comes from belong to win.
for i in $(seq "$TG_SRC_FIRST" "$TG_SRC_LAST"); do
	in_win ip addr add "$TG_SRC_NET.$i/$SWITCH_PLEN" dev vswitch || die "address"
	in_win ip addr add "$TG_SRC_NET6$(printf %x "$i")/64" dev vswitch nodad || die "address6"
done

# ---- servers: in the container, and in the peer for one-arm ----------------
# Kernel routing gets an nginx of its own on the container's port 81. Its
# clients connect to the container's address, the others to the VM's, so
# the server sees the same tuples (win:port -> ctr:80) from different client
# connections, whose TCP timestamps differ (Linux draws the offset per
# 4-tuple): a TIME_WAIT socket left by one variant (60 s) would refuse
# about half of the next variant's SYNs on those tuples (PAWS), which made
# the variant measured after routing lose half its connection rate.
tb_http_server "$NS_CTR" "$P_HTTP_R" ctr-route || die "nginx"
for ns in "$NS_CTR" "$NS_PEER"; do
	tb_http_server "$ns" "$P_HTTP_T" "${ns#"$TB_PREFIX-"}" || die "nginx"
	tb_iperf_server "$ns" "$P_IPERF" || die "iperf3"
	tb_bg ip netns exec "$ns" taskset -c "$CPU_SRV" sockperf sr --tcp -i 0.0.0.0 -p "$P_LAT" >/dev/null 2>&1
	tb_bg ip netns exec "$ns" taskset -c "$CPU_SRV" sockperf sr -i 0.0.0.0 -p "$P_LAT" >/dev/null 2>&1
	{ tb_wait_listen "$ns" tcp "$P_LAT" && tb_wait_listen "$ns" udp "$P_LAT"; } || die "sockperf"
done
tb_wait_ping "$NS_VM" "$PEER_IP" || die "peer"
# The routed backend: the same servers, and an nginx port per variant
# (P_RTD_*), so every variant's connections end on a server port of its
# own whatever the client addresses are.
if [ "$RTD" = 1 ]; then
	for p in $P_RTD_ROUTE $P_RTD_NFT $P_RTD_XDP $P_RTD_TC; do
		tb_http_server "$NS_RTD" "$p" "rtd-$p" || die "nginx"
	done
	tb_iperf_server "$NS_RTD" "$P_IPERF" || die "iperf3"
	tb_bg ip netns exec "$NS_RTD" taskset -c "$CPU_SRV" sockperf sr --tcp -i 0.0.0.0 -p "$P_LAT" >/dev/null 2>&1
	tb_bg ip netns exec "$NS_RTD" taskset -c "$CPU_SRV" sockperf sr -i 0.0.0.0 -p "$P_LAT" >/dev/null 2>&1
	{ tb_wait_listen "$NS_RTD" tcp "$P_LAT" && tb_wait_listen "$NS_RTD" udp "$P_LAT"; } || die "sockperf"
	tb_wait_ping "$NS_WIN" "$RTD_IP" || die "rtd"
fi

# ---- reference XDP programs (bench/xdp_ref.c) -------------------------------
macb() { local m; m=$(cat); echo "0x${m//:/,0x}"; }
REF_OBJ=$TB_TMP/xdp_ref.o
CTR_DADDR=$(awk -F. '{ printf "0x%02x%02x%02x%02x\n", $4, $3, $2, $1 }' <<< "$CTR_IP")
read -ra CLANG_CMD <<< "${CLANG:-clang}"	# may carry arguments, as in make
"${CLANG_CMD[@]}" -O2 -g -target bpf -I/usr/include/"$(uname -m)"-linux-gnu \
	-DREDIR_IFINDEX="$(in_vm cat /sys/class/net/"$VM_CTR_PORT"/ifindex)" \
	-DREDIR_DADDR="$CTR_DADDR" \
	-DREDIR_DMAC="$(in_ctr cat /sys/class/net/"$CTR_DEV"/address | macb)" \
	-DREDIR_SMAC="$(in_vm cat /sys/class/net/"$VM_CTR_PORT"/address | macb)" \
	-c "$BENCH_DIR/xdp_ref.c" -o "$REF_OBJ" || die "cannot build bench/xdp_ref.c"
# The same redirect to the routed backend's veth (rtd-redirect).
REF_OBJ_RTD=$TB_TMP/xdp_ref_rtd.o
if [ "$RTD" = 1 ]; then
	"${CLANG_CMD[@]}" -O2 -g -target bpf -I/usr/include/"$(uname -m)"-linux-gnu \
		-DREDIR_IFINDEX="$(in_vm cat /sys/class/net/"$VM_RTD_PORT"/ifindex)" \
		-DREDIR_DADDR="$(awk -F. '{ printf "0x%02x%02x%02x%02x\n", $4, $3, $2, $1 }' <<< "$RTD_IP")" \
		-DREDIR_DMAC="$(in_rtd cat /sys/class/net/"$RTD_DEV"/address | macb)" \
		-DREDIR_SMAC="$(in_vm cat /sys/class/net/"$VM_RTD_PORT"/address | macb)" \
		-c "$BENCH_DIR/xdp_ref.c" -o "$REF_OBJ_RTD" || die "cannot build bench/xdp_ref.c (rtd)"
fi
xdp_on()  { in_ns "$1" ip link set dev "$2" xdpdrv obj "${4:-$REF_OBJ}" sec xdp program "$3"; }
xdp_off() { in_ns "$1" ip link set dev "$2" xdpdrv off 2>/dev/null; }

# ---- trafgen configs: 60-byte frames (64 on a wire with the FCS) ----------
SMAC=$(in_win cat /sys/class/net/vswitch/address)
DMAC=$(in_vm cat /sys/class/net/"$VM_DEV"/address)
tg_cfg()	# daddr one|new
{
	local f=$TB_TMP/tg-$1-$2.cfg
	# IPv6: 8 bytes of UDP payload keep the frame at 62 bytes; the UDP
	# checksum is trafgen's (0 is invalid in IPv6)
	if [[ $1 == *:* && $2 == one ]]; then
		echo "{ eth(da=$DMAC, sa=$SMAC, type=0x86dd), ipv6(sa=$HOST_IP6, da=$1, hl=64)," \
			"udp(sp=40000, dp=$P_SINK), fill(0x00, 8) }" > "$f"
	elif [[ $1 == *:* ]]; then
		echo "{ eth(da=$DMAC, sa=$SMAC, type=0x86dd)," \
			"ipv6(sa=${TG_SRC_NET6}$(printf %x "$TG_SRC_FIRST"), da=$1, hl=64," \
			"sa=dinc($TG_SRC_FIRST, $TG_SRC_LAST))," \
			"udp(sp=dinc(1024, 65535), dp=$P_SINK), fill(0x00, 8) }" > "$f"
	elif [ "$2" = one ]; then
		echo "{ eth(da=$DMAC, sa=$SMAC), ipv4(sa=$HOST_IP, da=$1, ttl=64)," \
			"udp(sp=40000, dp=$P_SINK, csum=0), fill(0x00, 18) }" > "$f"
	else
		echo "{ eth(da=$DMAC, sa=$SMAC)," \
			"ipv4(sa=$TG_SRC_NET.$TG_SRC_FIRST, da=$1, ttl=64, sa[3]=dinc($TG_SRC_FIRST, $TG_SRC_LAST))," \
			"udp(sp=dinc(1024, 65535), dp=$P_SINK, csum=0), fill(0x00, 18) }" > "$f"
	fi
	echo "$f"
}

# ---- variants --------------------------------------------------------------
v_target() { case $1 in onearm-*) echo "$PEER_IP" ;; rtd-*) echo "$RTD_IP" ;;
		    *6) echo "$CTR_IP6" ;; *) echo "$CTR_IP" ;; esac; }
v_addr()   { case $1 in route|redirect) echo "$CTR_IP" ;; route6) echo "$CTR_IP6" ;;
		    rtd-route|rtd-redirect) echo "$RTD_IP" ;;
		    *6|*-6to4) echo "$VM_IP6" ;; *) echo "$VM_IP" ;; esac; }
v_http()   { case $1 in route|route6) echo "$P_HTTP_R" ;; rtd-route) echo "$P_RTD_ROUTE" ;;
		    *) echo "$P_HTTP" ;; esac; }
# The routed backend's nginx port of each variant (the clients of the
# others connect to the VM's P_HTTP).
rtd_http_t() { case $1 in rtd-nft) echo "$P_RTD_NFT" ;; rtd-xdp) echo "$P_RTD_XDP" ;; rtd-tc) echo "$P_RTD_TC" ;; esac; }
url_host() { case $1 in *:*) echo "[$1]" ;; *) echo "$1" ;; esac; }

nft_rules()	# target onearm(0|1) [target's HTTP port]
{
	local t=$1 ht=${3:-$P_HTTP_T}
	cat <<EOF
table ip wfbench {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "$VM_DEV" ip daddr $VM_IP tcp dport $P_HTTP dnat to $t:$ht
		iifname "$VM_DEV" ip daddr $VM_IP tcp dport $P_IPERF dnat to $t:$P_IPERF
		iifname "$VM_DEV" ip daddr $VM_IP meta l4proto { tcp, udp } th dport $P_LAT dnat to $t:$P_LAT
		iifname "$VM_DEV" ip daddr $VM_IP udp dport $P_SINK dnat to $t:$P_SINK
	}
EOF
	[ "$2" = 1 ] && cat <<EOF
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "$VM_DEV" ip daddr $t masquerade
	}
EOF
	echo "}"
}

nft6_rules()	# target
{
	cat <<EOF
table ip6 wfbench6 {
	chain pre {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "$VM_DEV" ip6 daddr $VM_IP6 tcp dport $P_HTTP dnat to [$1]:$P_HTTP_T
		iifname "$VM_DEV" ip6 daddr $VM_IP6 tcp dport $P_IPERF dnat to [$1]:$P_IPERF
		iifname "$VM_DEV" ip6 daddr $VM_IP6 udp dport $P_SINK dnat to [$1]:$P_SINK
	}
}
EOF
}

SOCAT_PIDS=()
socat_bg() { ip netns exec "$NS_VM" socat "$@" 2>>"$TB_TMP/socat.log" & SOCAT_PIDS+=($!); }
socat_start()
{
	socat_bg TCP4-LISTEN:$P_HTTP,fork,reuseaddr TCP4:"$CTR_IP":$P_HTTP_T
	socat_bg TCP4-LISTEN:$P_IPERF,fork,reuseaddr TCP4:"$CTR_IP":$P_IPERF
	socat_bg TCP4-LISTEN:$P_LAT,fork,reuseaddr TCP4:"$CTR_IP":$P_LAT
	socat_bg UDP4-LISTEN:$P_LAT,fork,reuseaddr UDP4:"$CTR_IP":$P_LAT
	socat_bg -u UDP4-RECV:$P_SINK UDP4-SENDTO:"$CTR_IP":$P_SINK
	tb_wait_listen "$NS_VM" tcp $P_HTTP && tb_wait_listen "$NS_VM" tcp $P_IPERF &&
		tb_wait_listen "$NS_VM" tcp $P_LAT && tb_wait_listen "$NS_VM" udp $P_LAT &&
		tb_wait_listen "$NS_VM" udp $P_SINK
}
# IPv6 clients to the container's IPv4 address: what a userspace proxy does
# where wslfwd's v6tov4 translates (netsh portproxy v6tov4 is the same kind
# of proxy on Windows). ipv6only: the IPv4 variants' traffic is not its.
socat6to4_start()
{
	socat_bg TCP6-LISTEN:$P_HTTP,fork,reuseaddr,ipv6only=1 TCP4:"$CTR_IP":$P_HTTP_T
	socat_bg TCP6-LISTEN:$P_IPERF,fork,reuseaddr,ipv6only=1 TCP4:"$CTR_IP":$P_IPERF
	socat_bg -u UDP6-RECV:$P_SINK,ipv6only=1 UDP4-SENDTO:"$CTR_IP":$P_SINK
	tb_wait_listen "$NS_VM" tcp $P_HTTP -6 && tb_wait_listen "$NS_VM" tcp $P_IPERF -6 &&
		tb_wait_listen "$NS_VM" udp $P_SINK -6
}
socat_stop()
{
	local p
	for p in "${SOCAT_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${SOCAT_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	SOCAT_PIDS=()
	# forked children still serving a connection: everything in the vm
	# ns is this run's
	ip netns pids "$NS_VM" 2>/dev/null | xargs -r kill 2>/dev/null
	sleep 0.2
}

wslfwd_setup()	# mode target [load options]
{
	local out
	: > "$TB_CONF"
	out=$(wslfwd load --dev "$VM_DEV" --mode "$1" "${@:3}") || { echo "$out" >&2; return 1; }
	# ... and the path status reports for targets behind (redirect to
	# which device, or the stack), so the report says what was measured.
	MODE_LINE=$out$'\n'$(wslfwd status 2>&1 | grep -E '^(behind|redirect):' | tr -s ' ')
	if [ "${WSLFWD_LISTEN6:-}" = 1 ]; then	# v6tov4: @vm6 to an IPv4 target
		wslfwd add tcp @vm6:$P_HTTP "$2:$P_HTTP_T" >/dev/null &&
			wslfwd add tcp @vm6:$P_IPERF "$2:$P_IPERF" >/dev/null &&
			wslfwd add udp @vm6:$P_SINK "$2:$P_SINK" >/dev/null
		return
	fi
	if [[ $2 == *:* ]]; then
		wslfwd add tcp @vm6:$P_HTTP "[$2]:$P_HTTP_T" >/dev/null &&
			wslfwd add tcp @vm6:$P_IPERF "[$2]:$P_IPERF" >/dev/null &&
			wslfwd add udp @vm6:$P_SINK "[$2]:$P_SINK" >/dev/null
		return
	fi
	wslfwd add tcp $P_HTTP "$2:${WSLFWD_HTTP_T:-$P_HTTP_T}" >/dev/null &&
		wslfwd add tcp $P_IPERF "$2:$P_IPERF" >/dev/null &&
		wslfwd add both $P_LAT "$2:$P_LAT" >/dev/null &&
		wslfwd add udp $P_SINK "$2:$P_SINK" >/dev/null
}

v_setup()
{
	local v=$1
	MODE_LINE=
	case $v in
	floor)		xdp_on "$NS_VM" "$VM_DEV" ref_drop ;;
	redirect)	xdp_on "$NS_VM" "$VM_DEV" ref_redir ;;
	rtd-redirect)	xdp_on "$NS_VM" "$VM_DEV" ref_redir "$REF_OBJ_RTD" ;;
	route|route6|rtd-route)	: ;;
	rtd-nft)	nft_rules "$RTD_IP" 0 "$P_RTD_NFT" | in_vm nft -f - ;;
	rtd-xdp|rtd-tc)	WSLFWD_HTTP_T=$(rtd_http_t "$v") wslfwd_setup "${v#rtd-}" "$RTD_IP" ;;
	nft)		nft_rules "$CTR_IP" 0 | in_vm nft -f - ;;
	nft6)		nft6_rules "$CTR_IP6" | in_vm nft -f - ;;
	xdp6|tc6)	wslfwd_setup "${v%6}" "$CTR_IP6" ;;
	onearm-nft)	nft_rules "$PEER_IP" 1 | in_vm nft -f - ;;
	socat)		socat_start ;;
	socat-6to4)	socat6to4_start ;;
	xdp-6to4|tc-6to4)
			WSLFWD_LISTEN6=1 wslfwd_setup "${v%-6to4}" "$CTR_IP" ;;
	xdp|xdp-generic|tc|onearm-xdp|onearm-xdp-generic|onearm-tc)
			wslfwd_setup "${v#onearm-}" "$(v_target "$v")" ;;
	xdp-stack)	wslfwd_setup xdp "$CTR_IP" --redirect none ;;
	*)		echo "unknown variant $v" >&2; return 1 ;;
	esac
}

v_teardown()
{
	case $1 in
	floor|redirect|rtd-redirect)	xdp_off "$NS_VM" "$VM_DEV" ;;
	nft|onearm-nft|rtd-nft)	in_vm nft delete table ip wfbench ;;
	nft6)		in_vm nft delete table ip6 wfbench6 ;;
	socat|socat-6to4)	socat_stop ;;
	route|route6|rtd-route)	: ;;
	*)		wslfwd unload >/dev/null ;;
	esac
}

# ---- metrics -----------------------------------------------------------------
rec()	# variant metric rep value
{
	if [[ $4 =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; then
		printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$RAW"
	else
		blog "$1 $2 (rep $3): no result"
	fi
}

m_tcp()	# addr port [-R] -> Gbit/s at the receiver
{
	in_win timeout -k 2 $((T_TCP + 15)) iperf3 -c "$1" -p "$2" -t "$T_TCP" -f m ${3:+"$3"} 2>/dev/null |
		awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i == "Mbits/sec") v = $(i - 1) }
			END { if (v != "") printf "%.3f\n", v / 1000 }'
}

m_cps()	# addr port [secs] -> completed requests (= connections) per second
{
	local out t=${3:-$T_CPS}
	out=$(in_win timeout -k 2 $((t + 15)) wrk -t1 -c16 -d"${t}s" -H 'Connection: close' \
		"http://$(url_host "$1"):$2/" 2>&1)
	grep -E 'Socket errors|Non-2xx' <<< "$out" | sed 's/^/#   wrk: /' >&2
	awk '/^Requests\/sec:/ { print $2 }' <<< "$out"
}

# sockperf ping-pong, TCP and UDP -> "tcp_p50 tcp_p99 udp_p50 udp_p99" in µs
# (sockperf's latency: half the round trip). Each client idles 2 s after its
# warm-up messages before it measures; the TCP client starts when the UDP
# one has entered that idle time and measures after it is done, so the two
# never measure at the same time and the pair takes T+2 s less.
m_lat()	# addr port
{
	local o=$TB_TMP/sockperf u
	in_win timeout -k 2 $((T_LAT + 15)) taskset -c "$CPU_CLI" \
		sockperf pp -i "$1" -p "$2" -t "$T_LAT" > "$o.udp" 2>&1 &
	u=$!
	sleep "$(awk -v t="$T_LAT" 'BEGIN { print t + 0.2 }')"
	in_win timeout -k 2 $((T_LAT + 15)) taskset -c "$CPU_CLI" \
		sockperf pp -i "$1" -p "$2" --tcp -t "$T_LAT" > "$o.tcp" 2>&1
	wait "$u"
	awk '/percentile 50\.000/ { p50[FILENAME] = $NF } /percentile 99\.000/ { p99[FILENAME] = $NF }
		function v(x) { return x == "" ? "-" : x }
		END { print v(p50[ARGV[1]]), v(p99[ARGV[1]]), v(p50[ARGV[2]]), v(p99[ARGV[2]]) }' "$o.tcp" "$o.udp"
}

rx_read() { in_ns "$1" sh -c "cat /sys/class/net/$2/statistics/rx_packets; date +%s%N"; }

m_pps_once()	# variant one|new -> kpps counted at the receiver; fails if trafgen stopped
{
	local v=$1 cfg cns=$NS_CTR cdev=$CTR_DEV tg a0 a ta b tb i
	case $v in
	floor)		cns=$NS_VM cdev=$VM_DEV ;;
	onearm-*)	cns=$NS_PEER cdev=$PEER_DEV ;;
	rtd-*)		cns=$NS_RTD cdev=$RTD_DEV ;;
	esac
	cfg=$(tg_cfg "$(v_addr "$v")" "$2")
	{ read -r a0; read -r _; } < <(rx_read "$cns" "$cdev")
	ip netns exec "$NS_WIN" timeout 30 trafgen -o "$WIN_VM_PORT" -i "$cfg" --cpus 1 -q \
		>"$TB_TMP/trafgen.log" 2>&1 &
	tg=$!
	# trafgen takes a while to start (it runs the config through cpp):
	# the warm-up counts from when the stream arrives (more than stray
	# ARP or TCP packets: 1000 in 0.1 s).
	for i in $(seq 30); do
		sleep 0.1
		{ read -r a; read -r ta; } < <(rx_read "$cns" "$cdev")
		[ "$((a - a0))" -gt 1000 ] && break
		a0=$a
	done
	sleep "$PPS_WARM"
	{ read -r a; read -r ta; } < <(rx_read "$cns" "$cdev")
	sleep "$PPS_WIN"
	{ read -r b; read -r tb; } < <(rx_read "$cns" "$cdev")
	if ! kill -0 "$tg" 2>/dev/null; then
		wait "$tg" 2>/dev/null
		blog "$v $2: trafgen stopped: $(grep -v "socket memory" "$TB_TMP/trafgen.log" | grep . | tail -1)"
		return 1
	fi
	kill -INT "$tg" 2>/dev/null
	wait "$tg" 2>/dev/null
	[ -n "$a" ] && [ -n "$b" ] &&
		awk -v a="$a" -v b="$b" -v ta="$ta" -v tb="$tb" 'BEGIN { printf "%.1f\n", (b - a) * 1e6 / (tb - ta) }'
}

# trafgen gives up ("Flushing TX_RING failed: Resource temporarily
# unavailable") when its socket's send buffer is full because the VM's eth0
# fell behind for a moment (veth applies backpressure; the send buffer limit
# is a global sysctl this benchmark does not touch): measure again.
m_pps()	# variant one|new
{
	local i
	for i in 1 2 3; do
		m_pps_once "$@" && return 0
	done
	return 1
}

# The packet-rate receivers drop in XDP, so the container's or peer's stack
# does not add its own cost; only while packets are sent (an XDP program on
# a veth changes its peer's offloads).
sink_on()  { case $1 in floor) ;; onearm-*) xdp_on "$NS_PEER" "$PEER_DEV" ref_drop ;;
		rtd-*) xdp_on "$NS_RTD" "$RTD_DEV" ref_drop ;; *) xdp_on "$NS_CTR" "$CTR_DEV" ref_drop ;; esac; }
sink_off() { case $1 in floor) ;; onearm-*) xdp_off "$NS_PEER" "$PEER_DEV" ;;
		rtd-*) xdp_off "$NS_RTD" "$RTD_DEV" ;; *) xdp_off "$NS_CTR" "$CTR_DEV" ;; esac; }

measure()	# variant rep
{
	local v=$1 r=$2 addr http lat
	addr=$(v_addr "$v") http=$(v_http "$v")
	case $v in
	floor|redirect|rtd-redirect) ;;
	*)
		case $v in
		*6|*-6to4) ;;	# sockperf 3.7 takes no IPv6 address
		*)
			read -r -a lat <<< "$(m_lat "$addr" $P_LAT)"
			rec "$v" lat_tcp_p50 "$r" "${lat[0]:-}"; rec "$v" lat_tcp_p99 "$r" "${lat[1]:-}"
			rec "$v" lat_udp_p50 "$r" "${lat[2]:-}"; rec "$v" lat_udp_p99 "$r" "${lat[3]:-}"
			;;
		esac
		# One-arm: the target still holds TIME_WAIT sockets (60 s) of
		# the previous variant's connections from the same @vm ports,
		# which wslfwd's SNAT knows nothing of until its own connections
		# have used each port once (design.md, SNAT ports). Every one-arm
		# variant gets the same 1 s of wrk first, not measured.
		# v6tov4 to a target behind the VM has the same: its source is
		# @host (172.22.16.1, win's own address the other variants'
		# clients use) with SNAT ports.
		case $v in onearm-*|xdp-6to4|tc-6to4) m_cps "$addr" "$http" 1 >/dev/null ;; esac
		rec "$v" cps "$r" "$(m_cps "$addr" "$http")"
		rec "$v" tcp_fwd "$r" "$(m_tcp "$addr" $P_IPERF)"
		rec "$v" tcp_rev "$r" "$(m_tcp "$addr" $P_IPERF -R)"
		;;
	esac
	sink_on "$v" || blog "$v: cannot attach the XDP sink"
	rec "$v" pps_one "$r" "$(m_pps "$v" one)"
	# One-arm NAT with a new flow per packet measures only how fast the
	# source-NAT ports run out (wslfwd: 61000-65535 per target): not run.
	# v6tov4 allocates an SNAT port per flow too (socat-6to4 is left out
	# with it, for one comparison).
	case $v in onearm-*|*-6to4) ;; *) rec "$v" pps_new "$r" "$(m_pps "$v" new)" ;; esac
	sink_off "$v"
}

# ---- the interleaved runs ------------------------------------------------------
meta kernel "$(uname -r)"
meta date "$(date -u +%FT%TZ)"
meta cpus "$(nproc)"
meta quick "$QUICK"
meta reps "$REPS"
meta durations "iperf3 ${T_TCP}s, wrk ${T_CPS}s, sockperf ${T_LAT}s, packet rate ${PPS_WIN}s window after ${PPS_WARM}s"
meta wslfwd "$("$WSLFWD_BIN" -V 2>&1 | head -1)"
meta variants "$VARIANTS"

for r in $(seq "$REPS"); do
	for v in $VARIANTS; do
		blog "rep $r/$REPS: $v"
		if ! v_setup "$v"; then
			blog "$v: setup failed, skipped"
			v_teardown "$v" >/dev/null 2>&1
			continue
		fi
		if [ "$r" = 1 ]; then
			tb_offloads | sed "s|^|$v |" >> "$OFFL"
			# load's lines joined: meta.tsv has one line per key
			[ -n "$MODE_LINE" ] && meta "mode_$v" "$(paste -sd '|' <<< "$MODE_LINE" | sed 's/|/; /g')"
		fi
		measure "$v" "$r"
		v_teardown "$v"
	done
done
T_NET=$(date +%s)
meta seconds_network "$((T_NET - T_START))"

# ---- scale: 10 k mappings, 1 M connections --------------------------------------
timed()	# prints seconds; the command's output goes to $TB_TMP/timed.out
{
	local s e
	s=$(date +%s%N)
	"$@" > "$TB_TMP/timed.out" 2>&1 || { blog "$*: failed: $(tail -2 "$TB_TMP/timed.out")"; return 1; }
	e=$(date +%s%N)
	awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", (e - s) / 1e9 }'
}
blog "scale: load with $SCALE_MAPPINGS mappings from the config, stats"
for p in $(seq 20000 $((20000 + SCALE_MAPPINGS - 1))); do echo "tcp $p $CTR_IP:$P_HTTP_T"; done > "$TB_CONF"
export WSLFWD_TIMEOUT=120
rec scale load_10k 1 "$(timed wslfwd load --dev "$VM_DEV" --mode xdp)"
grep -q "$SCALE_MAPPINGS mappings" "$TB_TMP/timed.out" || blog "load: $(head -1 "$TB_TMP/timed.out")"
rec scale stats_10k 1 "$(timed wslfwd stats)"
rec scale stats_json_10k 1 "$(timed wslfwd -j stats)"
rec scale list_10k 1 "$(timed wslfwd list)"
# One mapping added to and deleted from a loaded datapath holding 10 k: the
# cost of a change (lock, config rewrite, maps) at scale, median of 5.
add_s=() del_s=()
for p in 1 2 3 4 5; do
	add_s+=("$(timed wslfwd add tcp $((19000 + p)) "$CTR_IP:$P_HTTP_T")")
	del_s+=("$(timed wslfwd del tcp $((19000 + p)))")
done
rec scale add_10k 1 "$(printf '%s\n' "${add_s[@]}" | sort -n | sed -n 3p)"
rec scale del_10k 1 "$(printf '%s\n' "${del_s[@]}" | sort -n | sed -n 3p)"
wslfwd unload >/dev/null
: > "$TB_CONF"
blog "scale: load --ct-size $SCALE_CONNS (memory of the connection table)"
rec scale load_ct1m 1 "$(timed wslfwd load --dev "$VM_DEV" --mode xdp --ct-size "$SCALE_CONNS")"
ct_mem=$(bpftool -j map show pinned "$TB_PIN_DIR/wf_ct" 2>/dev/null | jq -r '.bytes_memlock // empty')
rec scale ct1m_memlock_mib 1 "$(awk -v m="$ct_mem" 'BEGIN { if (m != "") printf "%.1f\n", m / 1048576 }')"
rec scale ct1m_bytes_per_conn 1 "$(awk -v m="$ct_mem" -v c="$SCALE_CONNS" 'BEGIN { if (m != "") printf "%.1f\n", m / c }')"
wslfwd unload >/dev/null
unset WSLFWD_TIMEOUT
meta offloads_file offloads.txt

# ---- BPF_PROG_RUN (bench/prog_run.c, another program) ----------------------------
PROG_RUN_BIN=${WSLFWD_PROG_RUN:-$TB_ROOT/build/bench/prog_run}
PROG_RUN_JSON=$TB_TMP/prog_run.json
if [ -x "$PROG_RUN_BIN" ] && [ -f "$BENCH_DIR/prog_run.sh" ]; then
	blog "BPF_PROG_RUN: bench/prog_run.sh"
	pr_opt=(--json --conns "$SCALE_CONNS")
	[ "$QUICK" = 1 ] && pr_opt+=(--quick)
	timeout -k 5 240 bash "$BENCH_DIR/prog_run.sh" "${pr_opt[@]}" > "$PROG_RUN_JSON" 2> "$TB_TMP/prog_run.err" ||
		{ blog "prog_run failed: $(tail -1 "$TB_TMP/prog_run.err")"; : > "$PROG_RUN_JSON"; }
	jq -e . "$PROG_RUN_JSON" >/dev/null 2>&1 || : > "$PROG_RUN_JSON"
else
	blog "BPF_PROG_RUN: $PROG_RUN_BIN not built, not measured"
	: > "$PROG_RUN_JSON"
fi
meta seconds_total "$(($(date +%s) - T_START))"

# ---- report ----------------------------------------------------------------------
mkdir -p "$RESULTS"
cp "$RAW" "$RESULTS/raw.tsv"
cp "$OFFL" "$RESULTS/offloads.txt"
cp "$META" "$RESULTS/meta.tsv"
cp "$PROG_RUN_JSON" "$RESULTS/prog_run.json"
bash "$BENCH_DIR/report.sh" "$RAW" "$META" "$OFFL" "$PROG_RUN_JSON" "$RESULTS" || die "report failed"
cat "$RESULTS/bench.md"
