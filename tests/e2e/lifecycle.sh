# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# Attach and detach: what load puts on eth0, and that unload takes all of it
# away again (pins, XDP, tc filters, a qdisc it created), keeping the config.

load_attaches_in_the_requested_mode()
{
	local st links
	fresh_unloaded || return 1
	fresh_load || return 1
	links=$(tcx_links | tr '\n' ' ')
	# tc egress, and tc ingress: the whole ingress path in tc mode, the
	# loopback-target steering next to XDP in the others.
	[ "$(wc -w <<< "$links")" = 2 ] ||
		fail "expected 2 pinned tcx links (tc egress, ingress), got '$links'" || return 1
	note "pinned tcx links: $links"
	st=$(attachments)
	note "attached: $(echo "$st" | tr '\n' ';')"
	case $MODE in
	xdp) echo "$st" | grep -q 'xdpdrv\|prog/xdp' || fail "no native XDP on eth0" || return 1
	     echo "$st" | grep -q 'xdpgeneric' && fail "generic XDP instead of native" && return 1 ;;
	xdp-generic) echo "$st" | grep -q 'xdpgeneric' || fail "no generic XDP on eth0" || return 1 ;;
	tc) echo "$st" | grep -q 'xdp' && fail "XDP attached in tc mode" && return 1 ;;
	esac
	st=$(wslfwd status 2>&1) || fail "status: $st" || return 1
	note "status: $(echo "$st" | tr '\n' ';')"
	echo "$st" | grep -q "$VM_IP" || fail "status does not show @vm $VM_IP" || return 1
	echo "$st" | grep -q "$HOST_IP" || fail "status does not show @host $HOST_IP" || return 1
}

load_then_unload_leaves_no_trace()
{
	local st q links left
	fresh_unloaded || return 1
	fresh_load || return 1
	links=$(tcx_links)
	[ -n "$links" ] || fail "no tcx links pinned by load" || return 1
	add tcp 4000 "$CTR_IP:80" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
	q=$(qdiscs)
	expect_rc 0 unload || return 1
	if [ -e "$TB_PIN_DIR" ] && [ -n "$(ls -A "$TB_PIN_DIR")" ]; then
		fail "pins left in $TB_PIN_DIR: $(ls -A "$TB_PIN_DIR" | tr '\n' ' ')"
		return 1
	fi
	st=$(attachments)
	[ -z "$st" ] || fail "still attached after unload: $st" || return 1
	# shellcheck disable=SC2086
	left=$(links_alive $links | tr '\n' ' ')
	[ -z "${left// }" ] || fail "tcx links of this load left after unload: $left" || return 1
	# tcx needs no qdisc: none before load, none after unload.
	[ -z "$(qdiscs)" ] || fail "qdisc on eth0 after unload (before: '$q'): $(qdiscs)" || return 1
	note "no pins, no XDP, no tcx links, no tc filters, no qdisc"
	grep -q "$CTR_IP" "$TB_CONF" || fail "unload removed the config" || return 1
	# And the VM port answers as if wslfwd never existed.
	expect_no_http "$NS_WIN" "http://$VM_IP:4000/" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:18080/" "$HOST_IP" || return 1
}

# Kernels without tcx: clsact + cls_bpf. The qdisc wslfwd creates it also
# removes; one that was there before stays.
legacy_tc_attach_and_unload()
{
	local st out
	fresh_unloaded || return 1
	[ -z "$(qdiscs)" ] || fail "eth0 has a qdisc before the test: $(qdiscs)" || return 1
	out=$(WSLFWD_NO_TCX=1 wslfwd load --dev "$VM_DEV" --mode "$MODE" 2>&1) ||
		fail "WSLFWD_NO_TCX=1 load --mode $MODE: $out" || return 1
	qdiscs | grep -q clsact || fail "no clsact qdisc after legacy load" || return 1
	st=$(in_vm tc filter show dev "$VM_DEV" egress)
	echo "$st" | grep -q bpf || fail "no cls_bpf filter on egress: $st" || return 1
	if [ "$MODE" = tc ]; then
		st=$(in_vm tc filter show dev "$VM_DEV" ingress)
		echo "$st" | grep -q bpf || fail "no cls_bpf filter on ingress: $st" || return 1
	fi
	note "legacy attach: clsact + cls_bpf"
	add tcp 4000 "$CTR_IP:80" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
	expect_rc 0 unload || return 1
	[ -z "$(qdiscs)" ] || fail "clsact created by load left after unload: $(qdiscs)" || return 1
	[ -z "$(attachments)" ] || fail "still attached: $(attachments)" || return 1
	note "unload removed filters and the clsact it created"

	# A clsact the user had before stays, without our filters.
	in_vm tc qdisc add dev "$VM_DEV" clsact
	out=$(WSLFWD_NO_TCX=1 wslfwd load --dev "$VM_DEV" --mode "$MODE" 2>&1) ||
		fail "legacy load over an existing clsact: $out" || return 1
	expect_rc 0 unload || return 1
	qdiscs | grep -q clsact || fail "unload removed a clsact it did not create" || return 1
	[ -z "$(attachments)" ] || fail "still attached: $(attachments)" || return 1
	in_vm tc qdisc del dev "$VM_DEV" clsact
	note "a pre-existing clsact stays"
}

# ---- attach paths that deliver or say why (issue 11) ----

# The peer program as this mode's testbed has it (run.sh: xdp mode only).
restore_peer_xdp()
{
	if [ "${TB_PEER_XDP:-0}" = 1 ]; then tb_peer_xdp on; else tb_peer_xdp off; fi
}

# eth0 is a veth into a plain switch port (no XDP program there): native
# XDP_TX out of it is dropped by the kernel without a counter. auto must
# take generic XDP (its XDP_TX uses the device's transmit path), --mode xdp
# is refused naming the reason, and status says which path each target
# kind takes. With a program on the port auto takes native XDP; removing it
# under a running native datapath loses one-arm traffic (the hazard is
# real on this kernel); status and watch say so.
auto_never_picks_a_path_that_drops()
{
	local st js
	fresh_unloaded || return 1
	tb_peer_xdp off
	add tcp 5000 @host:5432 || { restore_peer_xdp; return 1; }
	expect_rc 1 load --dev "$VM_DEV" --mode xdp || { restore_peer_xdp; return 1; }
	note "  said: $OUT"
	echo "$OUT" | grep -q "$WIN_VM_PORT" && echo "$OUT" | grep -q "xdp-generic" ||
		{ restore_peer_xdp; fail "the refusal names neither the peer nor the alternatives"; return 1; }
	! tb_pinned && [ -z "$(attachments)" ] ||
		{ restore_peer_xdp; fail "a refused load left something: $(attachments)"; return 1; }

	expect_rc 0 load --dev "$VM_DEV" --mode auto || { restore_peer_xdp; return 1; }
	st=$(wslfwd status)
	note "status: $(echo "$st" | tr '\n' ';')"
	echo "$st" | grep -q "^ingress: *xdp (generic)" ||
		{ restore_peer_xdp; fail "auto did not take generic XDP"; return 1; }
	echo "$st" | grep -q "native XDP left out: .*$WIN_VM_PORT" ||
		{ restore_peer_xdp; fail "status does not say why native was left out"; return 1; }
	js=$(wslfwd -j status)
	[ "$(jq -r '.paths["one-arm"].path + " " + (.paths["one-arm"].delivers|tostring)' <<< "$js")" = "xdp_tx true" ] &&
	[ "$(jq -r '.paths.local.path' <<< "$js")" = xdp ] &&
	[ "$(jq -r '.paths.behind.path' <<< "$js")" = stack ] ||
		{ restore_peer_xdp; fail "status -j paths: $(jq -c .paths <<< "$js")"; return 1; }
	expect_http "$NS_PEER" "http://$VM_IP:5000/" "$VM_IP" || { restore_peer_xdp; return 1; }
	expect_rc 0 unload || { restore_peer_xdp; return 1; }

	# With a program on the switch port, native XDP delivers: auto takes it.
	tb_peer_xdp on || { restore_peer_xdp; fail "cannot attach the peer's XDP program"; return 1; }
	expect_rc 0 load --dev "$VM_DEV" --mode auto || { restore_peer_xdp; return 1; }
	st=$(wslfwd status)
	echo "$st" | grep -q "^ingress: *xdp (native)" ||
		{ restore_peer_xdp; fail "auto did not take native XDP with a peer program: $st"; return 1; }
	echo "$st" | grep -q "^one-arm: *xdp_tx (native XDP: .*runs an XDP program" ||
		{ restore_peer_xdp; fail "status one-arm: $st"; return 1; }
	expect_http "$NS_PEER" "http://$VM_IP:5000/" "$VM_IP" || { restore_peer_xdp; return 1; }

	# The port loses its program under native XDP: XDP_TX frames vanish.
	tb_peer_xdp off
	st=$(wslfwd status)
	note "after the peer lost its program: $(echo "$st" | grep '^one-arm')"
	echo "$st" | grep -q "^one-arm: *xdp_tx, NOT DELIVERED" ||
		{ restore_peer_xdp; fail "status does not say one-arm no longer delivers"; return 1; }
	watch_start || { restore_peer_xdp; return 1; }
	wait_for 3 grep -q "one-arm (XDP_TX) traffic is lost now: .*$WIN_VM_PORT" "$WATCH_LOG" ||
		{ watch_stop; restore_peer_xdp; fail "watch did not warn: $(cat "$WATCH_LOG")"; return 1; }
	note "watch: $(grep 'XDP_TX' "$WATCH_LOG")"
	watch_stop
	expect_no_http "$NS_PEER" "http://$VM_IP:5000/" ||
		{ restore_peer_xdp; fail "native XDP_TX delivered without a peer program: the check is wrong on this kernel"; return 1; }
	restore_peer_xdp
	expect_rc 0 unload
}

# The driver refuses native XDP (here: veth, its other end's MTU is above
# a page): --mode xdp fails with the kernel's own reason and the fix; auto
# says the same as a warning and takes generic XDP.
native_refusal_says_the_kernels_reason_and_the_fix()
{
	local st
	fresh_unloaded || return 1
	undo() { in_win ip link set dev "$WIN_VM_PORT" mtu 1500; restore_peer_xdp; }
	tb_peer_xdp on && in_win ip link set dev "$WIN_VM_PORT" mtu 9000 ||
		{ undo; fail "cannot set up the peer"; return 1; }
	expect_rc 1 load --dev "$VM_DEV" --mode xdp || { undo; return 1; }
	note "  said: $OUT"
	echo "$OUT" | grep -q "the kernel says: .*MTU is too large" &&
	echo "$OUT" | grep -q "ip link set $WIN_VM_PORT mtu" ||
		{ undo; fail "no kernel reason or fix in the refusal"; return 1; }
	! tb_pinned || { undo; fail "a refused load left pins"; return 1; }
	expect_rc 0 load --dev "$VM_DEV" --mode auto || { undo; return 1; }
	note "  said: $OUT"
	echo "$OUT" | grep -q "MTU is too large.*using generic XDP" ||
		{ undo; fail "auto did not warn with the kernel's reason"; return 1; }
	st=$(wslfwd status)
	echo "$st" | grep -q "^ingress: *xdp (generic)" && echo "$st" | grep -q "refused native XDP" ||
		{ undo; fail "status: $st"; return 1; }
	expect_rc 0 unload
	undo
}

# A kernel without BTF: the message names the missing kernel config, not a
# bare errno. A cgroup2 mount that binds a sub-cgroup is not taken for the
# root. Both in a private mount namespace of the VM, nothing else changed.
load_explains_missing_btf_and_a_sub_cgroup_mount()
{
	local out rc
	fresh_unloaded || return 1
	out=$(tb_vm_exec unshare --mount --propagation private bash -c \
		'mount -t tmpfs none /sys/kernel/btf && exec "$@"' x \
		"$WSLFWD_BIN" --pin-dir "$TB_PIN_DIR" --config "$TB_CONF" load --dev "$VM_DEV" \
		--cgroup none 2>&1)
	rc=$?
	note "without /sys/kernel/btf/vmlinux: exit $rc: $out"
	[ "$rc" = 1 ] && echo "$out" | grep -q "CONFIG_DEBUG_INFO_BTF" ||
		fail "expected exit 1 naming CONFIG_DEBUG_INFO_BTF" || return 1
	! tb_pinned || fail "a failed load left pins" || return 1
	[ -n "$TB_CGROUP" ] || { note "no cgroup v2 here: sub-cgroup part skipped"; return 0; }
	# Every cgroup2 mount replaced by a bind of this run's cgroup (in a
	# mount namespace of its own on the host's mounts).
	mkdir -p "$TB_TMP/cgbind"
	out=$(nsenter --net="/run/netns/$NS_VM" unshare --mount --propagation private bash -c '
		cg=$1 at=$2; shift 2
		mount --bind "$cg" "$at" || exit 126
		others() { awk -v at="$at" '\''$3 == "cgroup2" && $2 != at { print $2 }'\'' /proc/mounts; }
		for m in $(others); do umount -l "$m" 2>/dev/null; done
		[ -z "$(others)" ] || { echo "cannot unmount: $(others)"; exit 126; }
		exec "$@"' x "$TB_CGROUP" "$TB_TMP/cgbind" \
		"$WSLFWD_BIN" --pin-dir "$TB_PIN_DIR" --config "$TB_CONF" load --dev "$VM_DEV" 2>&1)
	rc=$?
	note "only a bind of $TB_CGROUP: exit $rc: $out"
	[ "$rc" = 1 ] && echo "$out" | grep -q "is a bind of the sub-cgroup" ||
		fail "expected exit 1: a sub-cgroup bind is not the root" || return 1
	! tb_pinned || fail "a refused load left pins" || return 1
}

# A second instance on the same device (another --pin-dir; another WSL
# distro: the same VM and eth0, a bpffs of its own) is refused, naming the
# owner, and attaches nothing; the first keeps forwarding.
second_instance_on_the_device_is_refused()
{
	local before out rc other=$TB_PIN_DIR-2
	load_with_ctr_mapping || return 1
	before=$(attachments)
	expect_rc 1 --pin-dir "$other" --config "$TB_TMP/other.conf" load --dev "$VM_DEV" \
		--mode "$MODE" || { rm -rf "$other"; return 1; }
	note "  said: $OUT"
	echo "$OUT" | grep -q "another wslfwd's datapath: wf_.*pinned in $TB_PIN_DIR" ||
		{ rm -rf "$other"; fail "the refusal does not name the owner"; return 1; }
	[ ! -e "$other" ] || { rm -rf "$other"; fail "the refused load left $other"; return 1; }
	[ "$(attachments)" = "$before" ] || fail "attachments changed: $(attachments)" || return 1
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1

	# Another distro: its own bpffs, where the first instance's pins are not.
	if declare -F in_vm_machine >/dev/null; then
		machine_env
		out=$(in_vm_machine '
			umount -l /sys/fs/bpf || exit 3
			$W-2 load --dev "$VM_DEV" --mode "$MODE" --cgroup none; echo "exit $?"' 2>&1)
		rc=$?
		note "from a bpffs of its own: $out"
		echo "$out" | grep -q "^exit 1$" && echo "$out" | grep -q "not pinned in this bpffs" ||
			fail "a second instance with a bpffs of its own was not refused" || return 1
		[ "$(attachments)" = "$before" ] || fail "attachments changed: $(attachments)" || return 1
	fi
	expect_http "$NS_WIN" "http://$VM_IP:4000/" "$HOST_IP" || return 1
	# Once the first is gone, the second may load.
	expect_rc 0 unload || return 1
	expect_rc 0 --pin-dir "$other" --config "$TB_TMP/other.conf" load --dev "$VM_DEV" \
		--mode "$MODE" || { rm -rf "$other"; return 1; }
	expect_rc 0 --pin-dir "$other" unload || { rm -rf "$other"; return 1; }
}
