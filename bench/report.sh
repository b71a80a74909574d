#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The benchmark's report, from the raw samples bench/bench.sh collected:
#   report.sh RAW META OFFLOADS PROG_RUN_JSON OUTDIR
# RAW: "variant metric rep value" (tab-separated); META: "key value".
# Writes OUTDIR/bench.md (tables), bench.json (the same, with every sample)
# and bench.png (gnuplot). Medians over the repetitions; derived per
# repetition: the added ns per packet over the floor of the same repetition.

set -u
RAW=$1 META=$2 OFFL=$3 PRJ=$4 OUT=$5
mkdir -p "$OUT"
W=$(mktemp -d /tmp/wfbench-report.XXXXXX)
trap 'rm -rf "$W"' EXIT

# key | label | unit | better
cat > "$W/metrics" <<'EOF'
tcp_fwd|TCP throughput, client → backend (iperf3)|Gbit/s|higher
tcp_rev|TCP throughput, backend → client (iperf3 -R)|Gbit/s|higher
pps_one|UDP 64 B packet rate, one flow (trafgen)|kpps|higher
pps_new|UDP 64 B packet rate, new flow per packet|kpps|higher
ns_one|added cost over the floor, one flow|ns/pkt|lower
ns_new|added cost over the floor, new flow per packet|ns/pkt|lower
cps|new TCP connections/s (wrk, Connection: close)|conn/s|higher
lat_tcp_p50|TCP request/response latency p50 (sockperf pp)|µs|lower
lat_tcp_p99|TCP request/response latency p99 (sockperf pp)|µs|lower
lat_udp_p50|UDP request/response latency p50 (sockperf pp)|µs|lower
lat_udp_p99|UDP request/response latency p99 (sockperf pp)|µs|lower
EOF
# key | label | table (behind|onearm) | reference variants
cat > "$W/variants" <<'EOF'
route|kernel routing (no NAT)|behind
nft|nftables DNAT|behind
socat|socat (userspace)|behind
xdp|wslfwd xdp|behind
xdp-stack|wslfwd xdp --redirect none (the stack routes)|behind
xdp-generic|wslfwd xdp-generic|behind
tc|wslfwd tc|behind
redirect|XDP redirect, no NAT (ref.)|behind
floor|floor: XDP_DROP at eth0|behind
onearm-nft|nftables DNAT+masquerade|onearm
onearm-xdp|wslfwd xdp|onearm
onearm-xdp-generic|wslfwd xdp-generic|onearm
onearm-tc|wslfwd tc|onearm
route6|kernel routing (no NAT)|ipv6
nft6|nftables ip6 DNAT|ipv6
xdp6|wslfwd xdp|ipv6
tc6|wslfwd tc|ipv6
socat-6to4|socat TCP6-LISTEN → TCP4 (userspace)|v6v4
xdp-6to4|wslfwd xdp v6tov4|v6v4
tc-6to4|wslfwd tc v6tov4|v6v4
rtd-route|kernel routing (no NAT)|routed
rtd-redirect|XDP redirect, no NAT (ref.)|routed
rtd-nft|nftables DNAT|routed
rtd-xdp|wslfwd xdp|routed
rtd-tc|wslfwd tc|routed
EOF
cat > "$W/scale" <<'EOF'
load_10k|`wslfwd load` with 10 k mappings in the config|s
stats_10k|`wslfwd stats` with 10 k mappings|s
stats_json_10k|`wslfwd -j stats` with 10 k mappings|s
list_10k|`wslfwd list` with 10 k mappings|s
add_10k|`wslfwd add` of one mapping, 10 k loaded (median of 5)|s
del_10k|`wslfwd del` of one mapping, 10 k loaded (median of 5)|s
load_ct1m|`wslfwd load --ct-size 1048576`|s
ct1m_memlock_mib|connection table for 1 M connections (memlock)|MiB
ct1m_bytes_per_conn|… per connection|B
EOF

# ---- derived samples and medians ---------------------------------------------------
awk -F'\t' -v OFS='\t' '
	{ print }
	$1 == "floor" && $2 ~ /^pps_/ { fl[$2, $3] = $4 }
	$1 != "floor" && $2 ~ /^pps_/ { p[$1, $2, $3] = $4 }
	END {
		for (k in p) {
			split(k, a, SUBSEP)
			if ((a[2], a[3]) in fl && p[k] > 0 && fl[a[2], a[3]] > 0) {
				m = a[2]; sub(/^pps_/, "ns_", m)
				printf "%s\t%s\t%s\t%.1f\n", a[1], m, a[3], 1e6 / p[k] - 1e6 / fl[a[2], a[3]]
			}
		}
		for (k in fl) {
			split(k, a, SUBSEP); m = a[1]; sub(/^pps_/, "ns_", m)
			printf "floor\t%s\t%s\t0\n", m, a[2]
		}
	}' "$RAW" | sort -t$'\t' -k1,1 -k2,2 -k3,3n > "$W/all.tsv"

# variant metric median n samples(comma)
awk -F'\t' -v OFS='\t' '
	{ k = $1 SUBSEP $2; n[k]++; v[k, n[k]] = $4; s[k] = s[k] (n[k] > 1 ? "," : "") $4 }
	END {
		for (k in n) {
			c = n[k]
			for (i = 1; i <= c; i++) x[i] = v[k, i] + 0
			for (i = 2; i <= c; i++) { t = x[i]; for (j = i - 1; j >= 1 && x[j] > t; j--) x[j + 1] = x[j]; x[j + 1] = t }
			med = c % 2 ? x[(c + 1) / 2] : (x[c / 2] + x[c / 2 + 1]) / 2
			split(k, a, SUBSEP)
			print a[1], a[2], med, c, s[k]
		}
	}' "$W/all.tsv" | sort > "$W/med.tsv"

metaval() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$META"; }

# ---- Markdown ------------------------------------------------------------------------
fmt_awk='
function fmt(x) {
	if (x == "") return "–"
	x += 0
	if (x == 0) return "0"
	if (x < 0) return sprintf("%.1f", x)
	if (x < 10) return sprintf("%.2f", x)
	if (x < 100) return sprintf("%.1f", x)
	return sprintf("%.0f", x)
}'
table()	# behind|onearm
{
	awk -F'|' -v side="$1" -v MED="$W/med.tsv" "$fmt_awk"'
	BEGIN {
		while ((getline l < MED) > 0) { split(l, f, "\t"); med[f[1], f[2]] = f[3] }
		ref1 = side == "behind" ? "nft" : side == "ipv6" ? "nft6" : side == "v6v4" ? "socat-6to4" : \
			side == "routed" ? "rtd-nft" : "onearm-nft"
		ref2 = side == "behind" ? "route" : side == "ipv6" ? "route6" : side == "routed" ? "rtd-route" : ""
	}
	FILENAME ~ /variants$/ { if ($3 == side) { nv++; vk[nv] = $1; vl[nv] = $2 } next }
	{ nm++; mk[nm] = $1; ml[nm] = $2; mu[nm] = $3; mb[nm] = $4 }
	END {
		# drop variants that have no result at all
		nk = 0
		for (i = 1; i <= nv; i++) { keep[i] = 0; for (j = 1; j <= nm; j++) if ((vk[i], mk[j]) in med) keep[i] = 1; nk += keep[i] }
		if (!nk) { print "Not measured in this run (none of its variants in BENCH_VARIANTS)."; exit }
		h = "| metric |"; s = "|---|"
		for (i = 1; i <= nv; i++) if (keep[i]) { h = h " " vl[i] " |"; s = s "---:|" }
		print h; print s
		for (j = 1; j <= nm; j++) {
			row = "| " ml[j] " (" mu[j] ", " mb[j] " is better) |"; any = 0
			for (i = 1; i <= nv; i++) {
				if (!keep[i]) continue
				if (!((vk[i], mk[j]) in med)) { row = row " – |"; continue }
				any = 1; x = med[vk[i], mk[j]]; c = fmt(x)
				r = ""
				if ((ref1, mk[j]) in med && med[ref1, mk[j]] > 0 && vk[i] != ref1)
					r = sprintf("%.2f", x / med[ref1, mk[j]])
				else if (vk[i] == ref1) r = "1"
				if (ref2 != "") {
					if ((ref2, mk[j]) in med && med[ref2, mk[j]] > 0 && vk[i] != ref2)
						r = r "/" sprintf("%.2f", x / med[ref2, mk[j]])
					else if (vk[i] == ref2) r = r "/1"
					else r = r "/–"
				}
				if (r != "" && r != "/–" && x > 0) c = c " (" r ")"
				row = row " " c " |"
			}
			if (any) print row
		}
	}' "$W/variants" "$W/metrics"
}

{
	echo "# wslfwd benchmark"
	echo
	echo "Kernel $(metaval kernel), $(metaval cpus) CPUs, $(metaval date); $(metaval wslfwd);" \
		"$(metaval reps) interleaved repetition(s), medians$( [ "$(metaval quick)" = 1 ] && echo ", QUICK run");" \
		"$(metaval durations). Network part $(metaval seconds_network) s, total $(metaval seconds_total) s."
	echo
	echo "## Forwarding to a container behind the VM"
	echo
	echo "Each cell: median (ratio to nftables DNAT / ratio to kernel routing). Ratios are value/reference:"
	echo "above 1 is better for rates, below 1 is better for latency and ns/pkt. Packet rates are counted at"
	echo "the receiver (an XDP_DROP sink on the container's eth0); the floor is the generator with XDP_DROP on"
	echo "the VM's eth0; added ns/pkt = 1/rate − 1/floor, per repetition."
	echo
	table behind
	echo
	echo "## One-arm: the target back out of eth0 (a server on the switch)"
	echo
	echo "Each cell: median (ratio to nftables DNAT+masquerade). A new flow per packet is not run one-arm: with"
	echo "source NAT it measures only how fast the ports run out (wslfwd allocates 61000–65535 per target)."
	echo
	table onearm
	echo
	echo "## IPv6: forwarding to the container's IPv6 address"
	echo
	echo "Each cell: median (ratio to nftables ip6 DNAT / ratio to kernel routing). The packet-rate"
	echo "receiver is the container's XDP_DROP sink, as above; the floor is the IPv4 one."
	echo
	table ipv6
	echo
	echo "## IPv6 client to an IPv4 backend (v6tov4)"
	echo
	echo "An IPv6 client on the switch, the container's IPv4 address as the target. Each cell: median (ratio"
	echo "to socat, the userspace proxy that does this without wslfwd: \`TCP6-LISTEN:P,fork TCP4:172.17.0.2:P\`,"
	echo "\`UDP6-RECV\` → \`UDP4-SENDTO\` for the packet stream; what netsh portproxy v6tov4 is on Windows)."
	echo "wslfwd: \`add tcp @vm6:P 172.17.0.2:P\`, the header translated (RFC 7915), the source @host with an"
	echo "SNAT port. No new-flow-per-packet rate: each flow takes an SNAT port, so it would measure how fast"
	echo "they run out, as one-arm."
	echo
	table v6v4
	echo
	echo "## Forwarding to a routed backend (no bridge)"
	echo
	echo "A backend on a veth of its own, routed by the VM (10.99.0.2/32 on veth0rtd, no bridge): how Podman,"
	echo "LXD and Kubernetes CNIs attach workloads. Each cell: median (ratio to nftables DNAT / ratio to kernel"
	echo "routing), as for the container. wslfwd xdp redirects to veth0rtd (GRO on at the backend's eth0, so the"
	echo "kernel reports veth0rtd able to take XDP frames); the XDP redirect reference sends there too. Packet"
	echo "rates are counted at an XDP_DROP sink on the backend's eth0; added ns/pkt against the same floor."
	echo "Every variant's HTTP connections end on an nginx port of its own (8101-8104)."
	echo
	table routed
	echo
	echo "## BPF program cost per packet (BPF_PROG_RUN, bench/prog_run.c)"
	echo
	if [ -s "$PRJ" ]; then
		echo "| case | ns/pkt |"
		echo "|---|---:|"
		jq -r 'to_entries[] | select(.key | endswith("_ns")) | "| \(.key) | \(.value) |"' "$PRJ"
		echo
		jq -r '[to_entries[] | select(.key | startswith("ratio6_"))] |
			if length > 0 then "IPv6 / IPv4 per packet (goal: within 1.2×): " +
				(map("\(.key | sub("^ratio6_"; "") | gsub("_"; " ")) \(.value)×" +
					(if .value > 1.2 then " (over)" else "" end)) | join(", ")) + "." + "\n"
			else empty end' "$PRJ"
		echo "Established flow = \`established_behind_ns\`, first packet = \`first_behind_ns\`, reply ="
		echo "\`reply_behind_ns\` (the other cases: targets on the VM / one-arm; \`baseline_pass*\` is an XDP_PASS"
		echo "program measured the same way, \`*_full*\` with the table full, see scale)."
	else
		echo "Not measured: build/bench/prog_run is not built or failed."
	fi
	echo
	echo "## Scale"
	echo
	echo "| measurement | value |"
	echo "|---|---:|"
	awk -F'|' -v MED="$W/med.tsv" "$fmt_awk"'
		BEGIN { while ((getline l < MED) > 0) { split(l, f, "\t"); if (f[1] == "scale") med[f[2]] = f[3] } }
		{ print "| " $2 " | " (($1 in med) ? fmt(med[$1]) " " $3 : "not measured") " |" }' "$W/scale"
	if [ -s "$PRJ" ]; then
		jq -r '
			if .ct_conns then
			"| prog_run: table filled with \(.ct_conns) connections: memory (fdinfo memlock) | \(.ct_memlock_bytes / 1048576 * 10 | round / 10) MiB (\(.ct_bytes_per_conn) B/conn) |",
			"| prog_run: fill from userspace | \(.ct_fill_s) s |",
			"| prog_run: established lookup+rewrite, table full, one flow | \(.established_full_ns) ns |",
			"| prog_run: established lookup+rewrite, table full, random flows | \(.established_full_random_ns) ns |"
			else empty end' "$PRJ"
	fi
	echo
	echo "## Offload state"
	echo
	if [ -s "$OFFL" ]; then
		# the profile without the XDP attachments: one block if every
		# variant had the same
		sed -E 's/ xdp=[a-z]*$//' "$OFFL" | awk '{ v = $1; $1 = ""; p[v] = p[v] "|" substr($0, 2) }
			END { for (v in p) print p[v] "\t" v }' | sort > "$W/offl.prof"
		if [ "$(cut -f1 "$W/offl.prof" | sort -u | wc -l)" = 1 ]; then
			echo "The same for every variant (recorded after each variant's setup):"
		else
			echo "**Offloads differ between variants** (one block per profile):"
		fi
		echo
		echo '```'
		awk -F'\t' '{ if (!($1 in seen)) { seen[$1] = 1; n++; prof[n] = $1 } vs[$1] = vs[$1] " " $2 }
			END { for (i = 1; i <= n; i++) { print "variants:" vs[prof[i]]; n2 = split(substr(prof[i], 2), l, "|"); for (j = 1; j <= n2; j++) print "  " l[j] } }' \
			"$W/offl.prof"
		echo '```'
		echo
		echo "XDP attached per variant (vm/eth0, win/vmport0 = the testbed's XDP_PASS; during packet-rate"
		echo "runs an XDP_DROP sink is also attached to the receiver's eth0):"
		echo
		awk '$2 == "vm/eth0:" { x = $NF; sub(/^xdp=/, "", x); print "- " $1 ": eth0 " (x == "" ? "none" : x) }' "$OFFL"
	fi
	modes=$(awk -F'\t' '$1 ~ /^mode_/ { sub(/^mode_/, "", $1); print "- " $1 ": " $2 }' "$META")
	if [ -n "$modes" ]; then
		echo
		echo "wslfwd attach per variant:"
		echo
		echo "$modes"
	fi
} > "$OUT/bench.md"

# ---- JSON ------------------------------------------------------------------------------
awk -F'\t' '
	BEGIN { printf "[" }
	{ printf "%s{\"variant\":\"%s\",\"metric\":\"%s\",\"median\":%s,\"n\":%s,\"samples\":[%s]}", (NR > 1 ? "," : ""), $1, $2, $3 + 0, $4, $5 }
	END { print "]" }' "$W/med.tsv" > "$W/med.json"
jq -R -n '[inputs | split("|") | {key: .[0], value: {label: .[1], unit: .[2], better: .[3]}}] | from_entries' \
	< "$W/metrics" > "$W/metrics.json"
jq -R -n '[inputs | split("|") | {key: .[0], value: {label: .[1], table: .[2]}}] | from_entries' \
	< "$W/variants" > "$W/variants.json"
jq -R -n '[inputs | split("\t") | {key: .[0], value: .[1]}] | from_entries' < "$META" > "$W/meta.json"
jq -R -n '[inputs | split(" ") | {variant: .[0], line: (.[1:] | join(" "))}]
	| group_by(.variant) | map({key: .[0].variant, value: map(.line)}) | from_entries' \
	< "$OFFL" > "$W/offl.json"
if [ -s "$PRJ" ]; then cp "$PRJ" "$W/pr.json"; else echo '"not measured"' > "$W/pr.json"; fi
jq -n --slurpfile med "$W/med.json" --slurpfile metrics "$W/metrics.json" \
	--slurpfile variants "$W/variants.json" --slurpfile meta "$W/meta.json" \
	--slurpfile offl "$W/offl.json" --slurpfile pr "$W/pr.json" '
	($med[0]) as $m
	| def ref($v; $k): ($m | map(select(.variant == $v and .metric == $k)) | .[0].median // null);
	def ratio($x; $r): if $r == null or $r == 0 then null else ($x / $r * 1000 | round / 1000) end;
	{
		meta: ($meta[0] + {offloads: $offl[0]}),
		metrics: $metrics[0],
		variants: $variants[0],
		results: ($m | map(select(.variant != "scale")) | map(. as $e
			| ($variants[0][$e.variant].table // "behind") as $t
			| $e + {table: $t,
				ratio_nft: (if $t == "v6v4" then null else ratio($e.median; ref(if $t == "onearm" then "onearm-nft" elif $t == "ipv6" then "nft6" elif $t == "routed" then "rtd-nft" else "nft" end; $e.metric)) end),
				ratio_route: (if $t == "behind" then ratio($e.median; ref("route"; $e.metric)) elif $t == "ipv6" then ratio($e.median; ref("route6"; $e.metric)) elif $t == "routed" then ratio($e.median; ref("rtd-route"; $e.metric)) else null end),
				ratio_socat: (if $t == "v6v4" then ratio($e.median; ref("socat-6to4"; $e.metric)) else null end)})),
		scale: ($m | map(select(.variant == "scale")) | map({key: .metric, value: .median}) | from_entries),
		prog_run: $pr[0]
	}' > "$OUT/bench.json" || { echo "report: JSON failed" >&2; exit 1; }

# ---- PNG -------------------------------------------------------------------------------
# Speed-up against nftables (behind) / nftables+masquerade (one-arm), higher
# is better everywhere: value/nft for rates, nft/value for latency and ns.
jq -r '
	def key: {pps_one: "pps 1 flow", pps_new: "pps new flows", ns_one: "ns 1 flow", ns_new: "ns new flows",
		tcp_fwd: "TCP fwd", tcp_rev: "TCP rev", cps: "conn/s", lat_tcp_p50: "TCP p50",
		lat_tcp_p99: "TCP p99", lat_udp_p50: "UDP p50", lat_udp_p99: "UDP p99"}[.];
	.metrics as $mt | .results as $r
	| ["route", "socat", "xdp", "xdp-generic", "tc", "redirect", "onearm-xdp", "onearm-xdp-generic", "onearm-tc", "xdp-stack"] as $cols
	| ($mt | keys_unsorted[]) as $k
	| [($k | key)] + [$cols[] as $v
		| ($r | map(select(.variant == $v and .metric == $k)) | .[0].ratio_nft) as $x
		| if $x == null or $x <= 0 then "-"
		  elif $mt[$k].better == "lower" then (1 / $x * 1000 | round / 1000 | tostring)
		  else ($x | tostring) end]
	| map(tostring) | join("\t")' "$OUT/bench.json"  > "$W/chart.dat"
gnuplot 2>"$W/gnuplot.err" <<EOF || echo "report: gnuplot failed: $(grep -v warning "$W/gnuplot.err" | head -3)" >&2
set terminal pngcairo size 1400,900 font ",10" noenhanced
set output "$OUT/bench.png"
set datafile separator "\t"
set datafile missing "-"
set multiplot layout 2,1 title "wslfwd benchmark: speed-up vs nftables (higher is better; latency and ns/pkt inverted)\nkernel $(metaval kernel), $(metaval reps) rep(s), $(metaval date)"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y 2
set yrange [0.0625:16]
set ytics ("1/16" 0.0625, "1/8" 0.125, "1/4" 0.25, "1/2" 0.5, "1" 1, "2" 2, "4" 4, "8" 8, "16" 16)
set grid ytics
set key outside right top vertical
set xtics rotate by -25 scale 0
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb "black" front
set title "behind the VM (container): ratio to nftables DNAT"
plot "$W/chart.dat" using 2:xtic(stringcolumn(1)) title "kernel routing" lc rgb "#777777", \
	'' using 3 title "socat" lc rgb "#d62728", \
	'' using 4 title "wslfwd xdp" lc rgb "#1f77b4", \
	'' using 5 title "wslfwd xdp-generic" lc rgb "#17becf", \
	'' using 6 title "wslfwd tc" lc rgb "#2ca02c", \
	'' using 7 title "XDP redirect (ref.)" lc rgb "#ff7f0e", \
	'' using 11 title "wslfwd xdp --redirect none" lc rgb "#9467bd"
set title "one-arm (back out of eth0): ratio to nftables DNAT+masquerade"
plot "$W/chart.dat" using 8:xtic(stringcolumn(1)) title "wslfwd xdp" lc rgb "#1f77b4", \
	'' using 9 title "wslfwd xdp-generic" lc rgb "#17becf", \
	'' using 10 title "wslfwd tc" lc rgb "#2ca02c"
unset multiplot
EOF
exit 0
