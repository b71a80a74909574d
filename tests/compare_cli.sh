#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# For a change meant to change no behaviour of the CLI: the same commands
# (add/del/list/flush/netsh/windows/load/unload/status/stats, refused ones
# and a bad config line included) run with two wslfwd binaries, one after
# the other on one testbed (tests/testbed.sh), and their output, exit
# status and config file after every command compared.
#
#   sudo bash tests/compare_cli.sh OLD_WSLFWD NEW_WSLFWD
#
# e.g. OLD from `git worktree add /tmp/old main && make -C /tmp/old`.
# Exit status 0 and "same output" when they agree, else the diff.
set -u
[ $# = 2 ] || { echo "usage: $0 OLD_WSLFWD NEW_WSLFWD" >&2; exit 2; }
OLD=$(realpath "$1") NEW=$(realpath "$2")
# shellcheck disable=SC2034 # read by testbed.sh
TB_PREFIX=wfcmp$$
# shellcheck source=tests/testbed.sh
. "$(dirname "$0")/testbed.sh"
tb_up >/dev/null || { echo "tb_up failed"; exit 1; }
OUT=$TB_TMP/compare
SEQ=(
"status" "list" "-j list"
"add tcp 8080 @vm:18080" "add tcp 8080 @vm:18080" "add tcp 8080 @vm:18081" "-j add udp 7000-7002 @host:7000"
"list" "-j list" "status" "-j status" "windows" "-j windows"
"netsh interface portproxy show all" "-j netsh interface portproxy show all"
"del tcp 8080" "-j del udp 7000-7002" "del tcp 9999" "del udp 7001"
"add tcp 8080 @vm:18080"
"load --mode xdp" "load --mode xdp-generic --redirect docker0" "status" "-j status"
"unload" "add tcp 4000 172.17.0.2:80" "add tcp 4000 172.17.0.2:80" "-j add tcp 4000 172.17.0.2:80"
"add tcp 4000 172.17.0.2:81" "add tcp 172.22.21.94:4000 172.17.0.2:80"
"add both 5000 @host:5000 allow 192.168.77.0/24" "add udp 5300-5310 @host:5300"
"add tcp 127.0.0.1:6000 @host:6000" "add tcp 6100 127.0.0.1:6100" "add tcp 10.9.9.9:6200 @host:6200"
"load" "del tcp 172.22.21.94:4000" "load" "-j status" "status" "add tcp 172.22.21.94:4000 172.17.0.2:80"
"add tcp 10.9.9.9:6200 @host:6200" "add tcp 6500 @host:6500 snat always" "add udp 6600 172.17.0.2:6600 snat never"
"list" "-j list" "stats" "-j stats" "stats --prometheus" "conns" "-j conns"
"netsh interface portproxy show all" "-j netsh interface portproxy show v4tov4"
"netsh interface portproxy add v4tov4 listenport=6300 connectaddress=172.22.16.1 connectport=6301"
"netsh interface portproxy set v4tov4 listenport=6300 connectaddress=172.22.16.1 connectport=6302"
"netsh interface portproxy set v4tov4 listenport=6399 connectaddress=172.22.16.1"
"netsh interface portproxy show all"
"netsh interface portproxy delete v4tov4 listenport=6300"
"netsh interface portproxy delete v4tov4 listenport=6300"
"windows" "-j windows"
"del udp 5000" "list" "del tcp 5300" "del udp 5305" "-j del tcp 5000"
"flush conns" "-j flush conns" "flush bogus" "flush"
"load" "-j load" "load --mode tc" "load --timeout udp=60" "load --redirect none"
"status" "flush mappings" "-j flush mappings" "list"
"add tcp 4000 172.17.0.2:80" "unload" "-j unload" "unload" "list" "-j status"
"flush mappings" "add tcp 70000 @vm:1" "add" "del" "frob" "-j frob" "add tcp 8080 @vm:18080 snat bogus"
"--version" "-j --version"
"netsh interface portproxy add v4tov4 listenport=6300 connectaddress=172.22.16.1 connectport=6301"
"netsh interface portproxy set v4tov4 listenport=6300 connectaddress=172.22.16.1 connectport=6302"
"netsh interface portproxy set v4tov4 listenport=6300 connectaddress=127.0.0.1 connectport=61000"
"netsh interface portproxy show all" "list"
"!badconf" "list" "add tcp 7100 @host:7100" "del tcp 6300" "flush mappings" "list" "!goodconf"
"add tcp 7100 @host:7100" "add tcp 61000 @host:7100" "add tcp 7200 @host:61500"
"load" "netsh interface portproxy set v4tov4 listenport=7100 connectaddress=127.0.0.1 connectport=61000"
"netsh interface portproxy set v4tov4 listenport=7100 connectaddress=172.22.16.1 connectport=7101"
"list" "add tcp 172.22.21.94:7100 @host:7100" "add tcp 7100 @host:7100 allow 10.0.0.0/8"
"del tcp 7100-7101" "add tcp 7300-7310 @host:7300" "del tcp 7305" "del both 7300-7310" "del tcp 7300-7310"
"!badconf" "list" "add tcp 7400 @host:7400" "flush mappings" "list" "unload"
)
run_seq()
{
	local bin=$1 out=$2 c
	# shellcheck disable=SC2034 # read by testbed.sh's wslfwd()
	WSLFWD_BIN=$bin
	: > "$TB_CONF"
	: > "$out"
	for c in "${SEQ[@]}"; do
		if [ "$c" = "!badconf" ]; then echo "tcp 99999 junk" >> "$TB_CONF"; continue; fi
		if [ "$c" = "!goodconf" ]; then sed -i '/junk/d' "$TB_CONF"; continue; fi
		# shellcheck disable=SC2086
		{ echo "\$ wslfwd $c"; wslfwd $c 2>&1; echo "rc=$?"; } >> "$out"
		# the config after each command
		sed 's/^/  conf: /' "$TB_CONF" >> "$out"
	done
	wslfwd unload >/dev/null 2>&1
}
mkdir -p "$OUT"
run_seq "$OLD" "$OUT/old.txt"
run_seq "$NEW" "$OUT/new.txt"
diff "$OUT/old.txt" "$OUT/new.txt" && echo "same output ($(grep -c '^\$ ' "$OUT/new.txt") commands)"
