# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# Where the pins live (user/bpffs.c): a machine where nothing has mounted a
# bpffs, and commands run in a throw-away mount namespace (`ip netns exec`).
# Each case runs a script as pid 1 of a pid namespace of its own, so that
# "the machine's mount namespace" (pid 1's) is one the case controls; the
# script sees the VM's network namespace and /sys, as tb_vm_exec gives it.

# bash SCRIPT as pid 1 of a new pid namespace, in the vm ns, in a mount
# namespace of its own holding this run's bpffs at /sys/fs/bpf.
in_vm_machine()
{
	nsenter --net="/run/netns/$NS_VM" unshare --pid --fork --mount --propagation slave \
		--mount-proc bash -c "$TB_VM_MOUNTS" tb_vm_exec "$TB_TMP/sysfs" \
		timeout -k 5 60 bash -c "$1"
}

# What the scripts below need, in their environment.
machine_env()
{
	export W="$WSLFWD_BIN --pin-dir /sys/fs/bpf/$TB_PREFIX --config $TB_CONF"
	export MODE VM_DEV CTR_IP VM_IP HOST_IP NS_WIN TB_PREFIX
}

# A case: SCRIPT through in_vm_machine on a fresh, unloaded testbed; its
# output noted, and any exit status but 0 a failure.
machine_case()
{
	local out rc
	fresh_unloaded || return 1
	machine_env
	out=$(in_vm_machine "$1" 2>&1)
	rc=$?
	note "$out"
	[ "$rc" = 0 ] || fail "script exited $rc" || return 1
}

# The http check of the scripts: from win to @vm:4000, the container answers.
MACHINE_HTTP='body=$(ip netns exec "$NS_WIN" curl -sS --max-time 5 "http://$VM_IP:4000/" 2>&1)
	[ "$body" = "peer=$HOST_IP" ] || { echo "curl: $body"; exit 7; }
	echo "curl from win through the mapping: $body"'

load_on_a_machine_without_bpffs_mounts_one()
{
	machine_case '
		umount -l /sys/fs/bpf || exit 3
		[ "$(stat -f -c %T /sys/fs/bpf)" != bpf_fs ] || exit 3
		$W load --dev "$VM_DEV" --mode "$MODE" --cgroup none || exit 4
		[ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ] || { echo "no bpffs after load"; exit 5; }
		$W add tcp 4000 "$CTR_IP:80" || exit 6
		'"$MACHINE_HTTP"'
		$W status | grep -q "^device: *$VM_DEV" || { echo "status: $($W status 2>&1)"; exit 8; }
		$W unload || exit 9'
}

load_in_a_throwaway_mount_namespace_uses_the_machines_bpffs()
{
	machine_case '
		gone() { unshare --mount --propagation private sh -c "umount -l /sys/fs/bpf && exec $*"; }
		gone $W load --dev "$VM_DEV" --mode "$MODE" --cgroup none || exit 4
		[ -e "/sys/fs/bpf/$TB_PREFIX/wf_info" ] ||
			{ echo "no pins in the machine'"'"'s bpffs: $(ls /sys/fs/bpf)"; exit 5; }
		gone $W add tcp 4000 "$CTR_IP:80" || exit 6
		'"$MACHINE_HTTP"'
		gone $W status | grep -q "^device: *$VM_DEV" || exit 8
		gone $W unload || exit 9
		[ ! -e "/sys/fs/bpf/$TB_PREFIX/wf_info" ] || { echo "pins left"; exit 10; }'
}

load_refuses_a_bpffs_that_would_die_with_it()
{
	machine_case '
		umount -l /sys/fs/bpf || exit 3
		msg=$(unshare --mount --propagation private $W load --dev "$VM_DEV" --mode "$MODE" \
			--cgroup none 2>&1)
		rc=$?
		echo "load: exit $rc: $msg"
		[ "$rc" = 1 ] || exit 4
		case $msg in *nsenter*) ;; *) exit 5 ;; esac
		ip -d link show dev "$VM_DEV" | grep -q "prog/xdp" && { echo "XDP left"; exit 6; }
		[ -z "$(tc filter show dev "$VM_DEV" ingress)$(tc filter show dev "$VM_DEV" egress)" ] ||
			{ echo "tc filters left"; exit 7; }
		[ -z "$(bpftool net show dev "$VM_DEV" | grep -v "^[a-z_]*:$" | grep .)" ] ||
			{ echo "attached: $(bpftool net show dev "$VM_DEV")"; exit 8; }
		exit 0'
}
