// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A bpffs for the pins that outlives the command (design.md "Pins").
 *
 * Pins and pinned links live as long as the bpffs mount that holds them. A
 * bpffs mounted in the machine's own mount namespace (pid 1's) lives until
 * it is unmounted; one mounted in a throw-away namespace dies with it: `ip
 * netns exec` runs each command in a mount namespace of its own with a fresh
 * /sys, where /sys/fs/bpf is an empty directory. Mounting a bpffs there
 * would "load" a datapath that is detached as soon as wslfwd exits. So:
 *   - /sys/fs/bpf is a bpffs: use it;
 *   - not mounted, and this is the machine's mount namespace (pid 1's; a
 *     fresh machine, WSL without systemd): mount it, as systemd would have;
 *   - not mounted in a namespace of our own: bind the machine's bpffs here,
 *     so the pins land where they outlive us and every other command finds
 *     them; if it has none either, refuse and say what to run instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <linux/magic.h>
#include "bpffs.h"
#include "log.h"

#define BPFFS		"/sys/fs/bpf"

/* <linux/mount.h> values; Debian 12's libc headers may lack the calls. */
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE		1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC	O_CLOEXEC
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH	0x00000004
#endif

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == BPF_FS_MAGIC;
}

/*
 * The process whose mount namespace stands for the machine's: pid 1, or,
 * where /proc/1 cannot be read (a sandbox's init under another owner), the
 * oldest ancestor that can. 0: none readable.
 */
static pid_t ref_pid(char *ns, size_t len)
{
	char path[64], stat[512], *p;
	pid_t pid = getppid(), found = 0;
	FILE *f;
	int i;

	if (readlink("/proc/1/ns/mnt", ns, len - 1) > 0)
		return 1;
	for (i = 0; i < 64 && pid > 1; i++) {
		char buf[64] = "";

		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
		if (readlink(path, buf, sizeof(buf) - 1) <= 0)
			break;
		snprintf(ns, len, "%s", buf);
		found = pid;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		f = fopen(path, "re");
		if (!f)
			break;
		p = fgets(stat, sizeof(stat), f) ? strrchr(stat, ')') : NULL;
		fclose(f);
		/* "pid (comm) state ppid ...": comm may hold spaces and ')' */
		if (!p || sscanf(p + 1, " %*c %d", &pid) != 1)
			break;
	}
	return found;
}

/* 1: this process shares @ref's mount namespace, 0: it does not, -1: no
 * reference (no /proc). */
static int mntns_is_ref(pid_t *ref)
{
	char self[64] = "", other[64] = "";

	*ref = ref_pid(other, sizeof(other));
	if (!*ref || readlink("/proc/self/ns/mnt", self, sizeof(self) - 1) <= 0)
		return -1;
	return !strcmp(self, other);
}

/* Is @pin_dir on the default bpffs location (so that mounting it helps)? */
static bool under_default(const char *pin_dir)
{
	size_t n = strlen(BPFFS);

	return !strncmp(pin_dir, BPFFS, n) && (pin_dir[n] == '/' || !pin_dir[n]);
}

/*
 * Clone @ref's bpffs mount (in its namespace: open_tree() clones only
 * mounts of the caller's own) and attach the clone at /sys/fs/bpf here.
 * setns() into a mount namespace resets root and cwd: both are restored.
 */
static int bind_ref_bpffs(pid_t ref)
{
	int self, init, root, cwd, tree = -1, ret = -1, err = 0;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)ref);
	self = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	init = open(path, O_RDONLY | O_CLOEXEC);
	root = open("/", O_PATH | O_CLOEXEC);
	cwd = open(".", O_PATH | O_CLOEXEC);
	if (self < 0 || init < 0 || root < 0 || cwd < 0) {
		err = errno;
		goto out;
	}
	if (setns(init, CLONE_NEWNS)) {
		err = errno;
		goto out;
	}
	tree = syscall(__NR_open_tree, AT_FDCWD, BPFFS, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		err = errno;
	if (setns(self, CLONE_NEWNS) || fchdir(root) || chroot(".") || fchdir(cwd)) {
		/* Stuck in another namespace: nothing after this is safe. */
		pr_warn("wslfwd: cannot return to its own mount namespace: %s\n", strerror(errno));
		_exit(1);
	}
	if (tree < 0)
		goto out;
	if (syscall(__NR_move_mount, tree, "", AT_FDCWD, BPFFS, MOVE_MOUNT_F_EMPTY_PATH)) {
		err = errno;
		goto out;
	}
	ret = 0;
out:
	if (ret)
		pr_debug("cannot bind the bpffs of pid %d at %s: %s\n", (int)ref, BPFFS, strerror(err));
	if (tree >= 0)
		close(tree);
	if (cwd >= 0)
		close(cwd);
	if (root >= 0)
		close(root);
	if (init >= 0)
		close(init);
	if (self >= 0)
		close(self);
	return ret ? -(err ? err : EINVAL) : 0;
}

int wf_bpffs_prepare(const char *pin_dir, bool load, char *err, size_t errlen)
{
	char path[64];
	pid_t ref;
	int init;

	if (!under_default(pin_dir) || is_bpffs(BPFFS))
		return 0;	/* a pin dir elsewhere: its parent is checked by mkdir */
	init = mntns_is_ref(&ref);
	if (init != 0 && load) {
		/* The machine's own namespace (or no /proc to tell): a mount
		 * here stays. */
		pr_debug("mounting bpffs at %s\n", BPFFS);
		mkdir(BPFFS, 0755);
		if (mount("bpf", BPFFS, "bpf", 0, "mode=0700")) {
			int e = errno;

			snprintf(err, errlen, "cannot mount bpffs at %s: %s", BPFFS, strerror(e));
			return -e;
		}
		if (init < 0)
			pr_warn("wslfwd: mounted a bpffs at %s; cannot tell (no /proc) whether it "
				"outlives this mount namespace\n", BPFFS);
		return 0;
	}
	if (init != 0)
		return 0;	/* nothing to find: not loaded */
	snprintf(path, sizeof(path), "/proc/%d/root%s", (int)ref, BPFFS);
	if (is_bpffs(path) && !bind_ref_bpffs(ref)) {
		pr_debug("using the bpffs of pid %d at %s (this mount namespace had none)\n",
			 (int)ref, BPFFS);
		return 0;
	}
	if (!load)
		return 0;
	snprintf(err, errlen,
		 "%s is not a bpffs in this mount namespace, which is not the machine's own (pid %d's), "
		 "and that one has no bpffs to share: pins made here would vanish with this command "
		 "and the datapath with them. Run wslfwd in the machine's mount namespace (with "
		 "'nsenter --net=/run/netns/NAME wslfwd ...' rather than 'ip netns exec'), or mount "
		 "a bpffs there first ('mount -t bpf bpf %s')", BPFFS, (int)ref, BPFFS);
	return -ENOENT;
}
