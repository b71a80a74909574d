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
