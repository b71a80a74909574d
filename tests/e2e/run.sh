#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# End-to-end suite: every case in every attach mode, on a fresh WSL-like
# testbed per mode (tests/testbed.sh), TAP output. Exit status 0 only if
# every case passed.
#
#   E2E_MODES="xdp tc"        modes to run (default: xdp xdp-generic tc)
#   E2E_CASES="del_stops_the_mapping ..."   only these cases (WSL ones included)
#   E2E_WSL_MODES="xdp"       modes the WSL cases (wsl.sh) run in (default: xdp)
#   E2E_VERBOSE=1             print every case's notes, not only a failure's

set -u
E2E_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../testbed.sh
. "$E2E_DIR/../testbed.sh"
. "$E2E_DIR/lib.sh"
. "$E2E_DIR/forward.sh"
. "$E2E_DIR/cli.sh"
. "$E2E_DIR/lifecycle.sh"
. "$E2E_DIR/wsl.sh"
. "$E2E_DIR/local.sh"
. "$E2E_DIR/bpffs.sh"
. "$E2E_DIR/hairpin.sh"
. "$E2E_DIR/frag.sh"
. "$E2E_DIR/icmp.sh"
. "$E2E_DIR/upgrade.sh"
. "$E2E_DIR/conntrack.sh"
. "$E2E_DIR/csum.sh"
. "$E2E_DIR/ipv6.sh"
. "$E2E_DIR/nat46.sh"
. "$E2E_DIR/routed.sh"

CASES=(
	load_attaches_in_the_requested_mode
	http_to_port_on_vm_itself
	http_to_container_keeps_client_address
	http_to_container_redirected_past_the_bridge
	http_to_container_redirect_auto_follows_the_kernel
	http_one_arm_to_host
	http_one_arm_to_peer_on_the_link
	lan_client_reaches_container_through_portproxy
	udp_request_response_through_container
	udp_request_response_to_port_on_vm
	udp_request_response_one_arm_to_host
	iperf3_through_container_mapping
	unmapped_traffic_unaffected
	bad_commands_exit_2_and_change_nothing
	ipv6_config_lines_at_load
	add_when_unloaded_is_replayed_by_load
	del_stops_the_mapping
	del_stops_existing_connections
	stats_counters_increase_with_traffic
	load_redirect_refuses_a_bridge_and_a_missing_device
	# mapping lock, kill -9 repair, identical add, one listener (cli.sh)
	concurrent_adds_lose_no_mapping
	killed_commands_are_repaired_by_the_next
	half_written_maps_are_repaired_by_the_next_command
	killed_del_leaves_no_connections_behind
	identical_add_is_a_success_that_changes_nothing
	one_listener_written_two_ways_is_refused
	snat_range_and_control_bytes_are_refused
	unload_removes_only_its_own_pins
	windows_lines_for_ipv6_and_cross_family_read_back_with_netsh
	load_then_unload_leaves_no_trace
	legacy_tc_attach_and_unload
	local_client_tcp_reaches_host_on_loopback
	local_client_udp_reaches_host_on_loopback
	vm_process_reaches_its_own_mapped_port
	loopback_only_server_reached_through_mapping
	loopback_only_udp_server_reached_through_mapping
	local_and_loopback_bad_input_exit_2
	# where the pins live (bpffs.sh)
	load_on_a_machine_without_bpffs_mounts_one
	load_in_a_throwaway_mount_namespace_uses_the_machines_bpffs
	load_refuses_a_bpffs_that_would_die_with_it
	# hairpin (hairpin.sh)
	container_reaches_mapped_ports_on_vm
	# fragments (frag.sh)
	udp_bigger_than_mtu_through_every_target_kind
	vlan_tagged_frames_are_not_forwarded_in_any_mode
	# attach paths that deliver or say why (issue 11)
	auto_never_picks_a_path_that_drops
	native_refusal_says_the_kernels_reason_and_the_fix
	load_explains_missing_btf_and_a_sub_cgroup_mount
	second_instance_on_the_device_is_refused
	redirect_sends_what_the_container_cannot_take_through_the_stack
	# ICMP errors (icmp.sh)
	pmtu_download_and_upload_through_every_kind
	udp_to_mapped_port_without_listener_is_refused
	one_arm_ttl_expiry_answered_like_a_router
	one_arm_hop_limit_expiry_answered_over_ipv6
	# in-place upgrade (upgrade.sh)
	load_over_running_replaces_in_place
	legacy_tc_load_over_running_replaces_filters
	load_over_a_changed_map_layout
	upgrade_under_load_loses_nothing
	# conntrack (conntrack.sh)
	udp_asymmetric_flow_outlives_the_timeout
	load_timeouts_are_set_and_refused
	load_reserves_the_snat_ports_and_unload_returns_them
	syn_flood_into_a_small_table_leaves_established_flows
	# checksums the sender left to offload (csum.sh)
	offloaded_checksums_correct_on_every_path
	# IPv6 to IPv6 (ipv6.sh)
	ipv6_testbed_routes_without_wslfwd
	ipv6_curl_reaches_local_target
	ipv6_curl_reaches_container_behind
	ipv6_udp_echo_through_container
	ipv6_one_arm_to_host_uses_snat
	ipv6_iperf3_through_container
	ipv6_conns_and_list_show_ipv6_tuples
	ipv6_unmapped_and_nd_pass_untouched
	ipv6_link_local_host6_reached_through_the_nexthop_cache
	ipv6_link_local_host6_follows_a_mac_change_with_watch
	ipv6_link_local_host6_reached_without_watch_past_the_entry_age
	ipv6_ipv4_mappings_unaffected
	ipv6_sockets_reach_mappings_through_the_hooks
	ipv6_local_client_on_loopback_reaches_target
	ipv6_loopback_only_server_reached_through_mapping
	ipv6_loopback_only_udp_server_reached_through_mapping
	ipv6_loopback_target_other_family_is_refused
	ipv6_tables_sized_by_ct6_size
	# v4tov6 and v6tov4 (nat46.sh)
	v6tov4_one_arm_tcp_udp
	v6tov4_behind_and_local_tcp_udp
	nat46_iperf3_through_container
	v4tov6_one_arm_tcp_udp
	v4tov6_behind_and_local_tcp_udp
	nat46_options_and_extension_headers_left_out
	v4tov6_udp_without_checksum
	nat46_conns_show_the_ipv4_side_as_ipv4
	nat46_udp_without_listener_is_refused
	nat46_pmtu_across_a_narrow_link
	nat46_oversized_v4tov6_answered_frag_needed
	nat46_fragments_translated_both_ways
	# a backend routed over its own veth, no bridge (routed.sh)
	routed_backend_through_the_stack
	routed_backend_redirected_to_its_veth
	routed_udp_4000_bytes_both_ways
)
# WSL life (watch, netsh, windows, status): about the control plane, not the
# hook, so one mode is enough (E2E_WSL_MODES="xdp tc" for more, "" for none).
WSL_CASES=(
	watch_follows_vm_readdress_and_reapplies_windows
	watch_follows_host_move_with_udp_flowing
	watch_sighup_reloads_config
	watch_sigterm_leaves_datapath_and_restart_continues
	watch_reattaches_when_device_comes_back
	watch_follows_the_devices_that_take_xdp_frames
	netsh_add_show_delete_round_trip
	windows_prints_lines_and_apply_calls_powershell
	status_says_nat_with_wsl_marker
	load_without_dev_takes_the_default_routes_device
)
if [ -n "${E2E_CASES:-}" ]; then
	read -ra CASES <<< "$E2E_CASES"
	WSL_CASES=()
fi
read -ra MODES <<< "${E2E_MODES:-xdp xdp-generic tc}"
read -ra WSL_MODES <<< "${E2E_WSL_MODES-xdp}"

if [ "$(id -u)" != 0 ]; then
	echo "e2e: must run as root (namespaces, BPF); try: sudo bash $0" >&2
	exit 1
fi
if [ ! -x "$WSLFWD_BIN" ]; then
	echo "not ok 1 - e2e: $WSLFWD_BIN not built (run make)"
	echo "1..1"
	exit 1
fi

N=0
FAILED=0

# The servers every case may use; each answers HTTP with the client address
# it sees. Started once per testbed.
start_servers()
{
	tb_http_server "$NS_VM" 18080 vm &&	# target of @vm mappings
	tb_http_server "$NS_VM" 9090 vm9090 &&	# never mapped
	tb_http_server "$NS_CTR" 80 ctr &&	# the container
	tb_http_server "$NS_WIN" 5432 win &&	# a Windows-side service (@host)
	tb_http_server "$NS_PEER" 5432 peer &&	# a service on another switch peer
	tb_iperf_server "$NS_CTR" 5201 &&
	tb_udp_echo "$NS_CTR" 7000 &&
	tb_udp_echo "$NS_VM" 7000 &&
	tb_udp_echo "$NS_WIN" 7000 &&
	tb_portproxy 4000 "$VM_IP" 4000 &&	# netsh portproxy stand-in on win's LAN side
	local_servers &&			# local.sh
	ipv6_servers &&				# ipv6.sh
	nat46_servers &&			# nat46.sh
	routed_servers				# routed.sh (the rtd ns)
}

# Kill a process and everything it started (children first would let the
# parent start new ones: stop it, then take the tree down).
kill_tree()
{
	local pid=$1 c
	kill -STOP "$pid" 2>/dev/null
	for c in $(pgrep -P "$pid"); do
		kill_tree "$c"
	done
	kill -KILL "$pid" 2>/dev/null
}

# Every case has a time limit (E2E_CASE_TIMEOUT seconds, default 180): a
# case that hangs (a client blocked on a FIFO, a server that never
# answers) fails with a message, and the suite goes on.
CASE_TIMEOUT=${E2E_CASE_TIMEOUT:-180}
run_case()
{
	local name=$1 log rc t0 t1 pid wd
	log=$TB_TMP/case.log
	N=$((N + 1))
	t0=$(date +%s.%N)
	( "$name" ) > "$log" 2>&1 &
	pid=$!
	( sleep "$CASE_TIMEOUT" && echo "FAIL: timed out after ${CASE_TIMEOUT}s" >> "$log" &&
	  kill_tree "$pid" ) 2>/dev/null &
	wd=$!
	wait "$pid"
	rc=$?
	kill_tree "$wd"
	wait "$wd" 2>/dev/null
	t1=$(date +%s.%N)
	if [ "$rc" = 0 ]; then
		echo "ok $N - $MODE: $name"
		[ -n "${E2E_VERBOSE:-}" ] && sed 's/^/#   /' "$log"
	else
		FAILED=$((FAILED + 1))
		echo "not ok $N - $MODE: $name"
		sed 's/^/#   /' "$log"
		dump_state 2>&1 | sed 's/^/#   /'
	fi
	echo "#   ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"
}

for MODE in "${MODES[@]}"; do
	# Native XDP's XDP_TX out of the veth eth0 needs a program on the switch
	# side: the xdp mode gets one, the others run on the plain port users
	# have (auto_never_picks_a_path_that_drops checks auto there).
	TB_PEER_XDP=0
	[ "$MODE" = xdp ] && TB_PEER_XDP=1
	echo "# mode $MODE: building the testbed (TB_PEER_XDP=$TB_PEER_XDP)"
	if ! tb_up || ! start_servers; then
		N=$((N + 1)); FAILED=$((FAILED + 1))
		echo "not ok $N - $MODE: testbed setup"
		tb_down
		continue
	fi
	for c in "${CASES[@]}"; do
		run_case "$c"
	done
	if [[ " ${WSL_MODES[*]} " == *" $MODE "* ]]; then
		for c in "${WSL_CASES[@]}"; do
			run_case "$c"
		done
	fi
	tb_down
done

echo "1..$N"
echo "# e2e: $((N - FAILED)) passed, $FAILED failed"
[ "$FAILED" = 0 ]
