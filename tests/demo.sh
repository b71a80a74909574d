#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `sudo make demo`: wslfwd on a WSL-like network made of namespaces. Builds
# the testbed, loads wslfwd in the "VM", adds one mapping per target kind,
# sends real traffic through each, shows the counters, removes everything.

set -u
DEMO_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=testbed.sh
. "$DEMO_DIR/testbed.sh"

if [ "$(id -u)" != 0 ]; then
	echo "demo: must run as root (network namespaces, BPF): sudo make demo" >&2
	exit 1
fi
[ -x "$WSLFWD_BIN" ] || { echo "demo: $WSLFWD_BIN not built; run make" >&2; exit 1; }

if [ -t 1 ]; then B=$'\e[1m'; D=$'\e[2m'; R=$'\e[0m'; else B='' D='' R=''; fi
say()  { echo; echo "${B}==> $*${R}"; }
# Show a command as the user would type it inside WSL, then run it.
vm()   { echo "${D}vm\$ wslfwd $*${R}"; wslfwd "$@"; }
show() { local who=$1; shift; echo "${D}$who\$ $*${R}"; }
die()  { echo "demo: $*" >&2; exit 1; }

say "Building a WSL2-like network in namespaces (prefix $TB_PREFIX)"
tb_up || die "testbed setup failed"
echo "   Windows host (@host) $HOST_IP on the vswitch; WSL VM eth0 (@vm) $VM_IP;"
echo "   a container $CTR_IP on the VM's docker0; another switch peer $PEER_IP."

say "Starting servers: web on the VM :18080 and on its 127.0.0.1:3000 only, in the container :80, on Windows :5432; iperf3 in the container"
tb_http_server "$NS_VM" 18080 vm || die "server"
tb_http_server "$NS_CTR" 80 ctr || die "server"
tb_http_server "$NS_WIN" 5432 win || die "server"
tb_iperf_server "$NS_CTR" 5201 || die "server"
tb_http_server "$NS_VM" 3000 vmlo 127.0.0.1 || die "server"	# bound to the VM's loopback only
echo "   (each web server answers with the client address it sees)"

say "The container's eth0 turns GRO on: its docker0 port can now take XDP frames (the kernel says so)"
show ctr "ethtool -K eth0 gro on"; in_ctr ethtool -K "$CTR_DEV" gro on >/dev/null || die "ethtool"
echo "   (wslfwd's default --redirect auto sends the container's packets straight to that port)"

say "Loading wslfwd on the VM's eth0 (mode auto: native XDP where its XDP_TX delivers, then generic, then tc)"
echo "   (the VM's eth0 here is a veth into a plain switch port, which drops native XDP_TX: auto takes generic XDP)"
vm load --dev "$VM_DEV" --mode auto || die "load failed"

say "Adding one mapping per target kind"
vm add tcp 8080 @vm:18080 || die "add failed"		# a port on the VM itself
vm add tcp 4000 "$CTR_IP:80" || die "add failed"	# behind the VM: the container
vm add tcp 5201 "$CTR_IP:5201" || die "add failed"	# iperf3 in the container
vm add tcp 5000 @host:5432 || die "add failed"		# back out to Windows (one-arm NAT)
vm add tcp 3000 127.0.0.1:3000 || die "add failed"	# a server bound to loopback only
vm add tcp 127.0.0.1:5432 @host:5432 || die "add failed"	# VM programs: Windows on localhost

say "What is loaded, and where it attached"
vm status || die "status failed"
say "The mappings, with @vm/@host resolved"
vm list || die "list failed"

say "From Windows, HTTP to the VM's port 8080 reaches the VM's own server on 18080"
show win "curl http://$VM_IP:8080/"; tb_curl "$NS_WIN" "http://$VM_IP:8080/" || die "curl to port 8080 failed"
say "From Windows, port 4000 reaches the container; it sees the Windows address, not the VM's"
show win "curl http://$VM_IP:4000/"; tb_curl "$NS_WIN" "http://$VM_IP:4000/" || die "curl to port 4000 failed"
say "From another machine on the switch, port 5000 goes back out to Windows' service on 5432"
show peer "curl http://$VM_IP:5000/"; tb_curl "$NS_PEER" "http://$VM_IP:5000/" || die "curl to port 5000 failed"
echo "   (one-arm NAT: Windows sees the VM as the client)"
say "From Windows, port 3000 reaches a VM server listening on 127.0.0.1 only (no route_localnet)"
show win "curl http://$VM_IP:3000/"; tb_curl "$NS_WIN" "http://$VM_IP:3000/" || die "curl to port 3000 failed"
say "Inside the VM, 127.0.0.1:5432 is Windows' service (the socket hooks; NAT mode has no localhost relay)"
show vm "curl http://127.0.0.1:5432/"; in_vm_cg curl -sS --max-time 5 http://127.0.0.1:5432/ || die "curl to 127.0.0.1:5432 failed"
echo "   (the demo's cgroup $TB_CGROUP has the hooks; a real load puts them on the cgroup root)"

say "A 3-second iperf3 run from Windows through the container mapping"
show win "iperf3 -c $VM_IP -p 5201 -t 3"
out=$(in_win timeout 20 iperf3 -c "$VM_IP" -p 5201 -t 3 -f m) || die "iperf3 failed: $out"
grep -E 'sender|receiver' <<< "$out"

say "Packets, bytes and connections per mapping"
vm stats || die "stats failed"
say "The connection table"
vm conns || die "conns failed"

say "Removing everything: unload wslfwd, delete the namespaces"
vm unload || die "unload failed"
tb_down
echo "   done."
