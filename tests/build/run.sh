#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Packaging checks, TAP: what a distribution's build does to the Makefile
# (its own CFLAGS/LDFLAGS/CC/CLANG on the command line, another libbpf
# through LIBBPF_DIR), `make install` with DESTDIR, and the systemd unit.
# Builds a copy of the tree in a temporary directory; touches nothing else.

set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d /tmp/wslfwd-build.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
N=0
FAILED=0

ok()
{
	local cond=$1 name=$2 got=${3:-}
	N=$((N + 1))
	if [ "$cond" = 0 ]; then
		echo "ok $N - $name"
	else
		FAILED=$((FAILED + 1))
		echo "not ok $N - $name"
		[ -n "$got" ] && printf '%s\n' "$got" | head -20 | sed 's/^/# got: /'
	fi
}

# The compile lines `make -n` would run for user/ and the tests.
cc_lines() { grep -E '^(gcc|cc|[^ ]*gcc[^ ]*) .* -c user/|^(gcc|cc|[^ ]*gcc[^ ]*) .*tests/unit/test_user.c'; }

# make -n parses the Makefile, which records the flags under OUT: a
# throw-away OUT leaves the tree's build/ as it was.
NOUT=$TMP/nout
out=$(cd "$ROOT" && make -n -B OUT="$NOUT" CFLAGS=-O1 CPPFLAGS=-DPKG_CPP LDFLAGS=-Wl,-z,now \
	wslfwd tests 2>&1)
lines=$(cc_lines <<< "$out")
bad=$(grep -vE -- "-Iinclude .*-Iuser .*-I$NOUT" <<< "$lines")
ok "$([ -n "$lines" ] && [ -z "$bad" ]; echo $?)" \
	"make CFLAGS=-O1: compile lines keep the project's include paths" "${bad:-$out}"
bad=$(grep -v -- '-O1' <<< "$lines"; grep -- '-O2' <<< "$lines")
ok "$([ -z "$bad" ]; echo $?)" "make CFLAGS=-O1: the packager's CFLAGS replace -O2 -g" "$bad"
bad=$(grep -v -- '-DPKG_CPP' <<< "$lines")
ok "$([ -z "$bad" ]; echo $?)" "make CPPFLAGS=...: passed to every compile" "$bad"
links=$(grep -E -- "-o (wslfwd|$NOUT/tests/[a-z_]+)\$" <<< "$out")
bad=$(grep -v -- '-Wl,-z,now' <<< "$links")
ok "$([ "$(wc -l <<< "$links")" -ge 5 ] && [ -z "$bad" ]; echo $?)" \
	"make LDFLAGS=...: the binary and every test program link with them" "${bad:-$links}"

out=$(cd "$ROOT" && make -n -B OUT="$NOUT" LIBBPF_DIR=/opt/libbpf-x wslfwd 2>&1)
ok "$(grep -q -- '-I/opt/libbpf-x/include .*-c user/loader.c' <<< "$out" &&
      grep -q -- '-L/opt/libbpf-x/lib -Wl,-rpath,/opt/libbpf-x/lib.* -lbpf' <<< "$out" &&
      grep -E -q -- 'clang -I/opt/libbpf-x/include' <<< "$out"; echo $?)" \
	"make LIBBPF_DIR=DIR: its headers (C and BPF), its library and an rpath to it" "$out"

# A real build of a copy, the way a package build runs it.
mkdir -p "$TMP/src" && cp -r "$ROOT"/{Makefile,VERSION,vmlinux.h,bpf,include,user,tests,man,dist} "$TMP/src"/
out=$(cd "$TMP/src" && make CC="cc -std=gnu11" CLANG="clang -Wno-unused-command-line-argument" \
	CFLAGS="-O1 -g0" LDFLAGS="-Wl,-z,now" wslfwd build/tests/test_output 2>&1)
rc=$?
ok "$rc" "make CC='cc -std=gnu11' CLANG='clang -W...' CFLAGS='-O1 -g0' LDFLAGS=-Wl,-z,now builds" "$out"
now=0
for b in "$TMP/src/wslfwd" "$TMP/src/build/tests/test_output"; do
	readelf -d "$b" 2>/dev/null | grep -qE 'BIND_NOW|FLAGS.*NOW' || now=1
done
ok "$now" "LDFLAGS reached the binary and the test program (BIND_NOW in both)" \
	"$(readelf -d "$TMP/src/wslfwd" 2>&1 | grep -i flags)"
ok "$("$TMP/src/wslfwd" --version >/dev/null 2>&1; echo $?)" "the packaged build runs"
out=$(cd "$TMP/src" && make CC="cc -std=gnu11" CLANG="clang -Wno-unused-command-line-argument" \
	CFLAGS="-O1 -g0" LDFLAGS="-Wl,-z,now" wslfwd 2>&1)
ok "$(grep -qE 'Nothing to be done|is up to date' <<< "$out" && ! grep -q -- ' -c ' <<< "$out"; echo $?)" "the same flags again: nothing rebuilt" "$out"
out=$(cd "$TMP/src" && make -n CFLAGS=-O2 wslfwd 2>&1)
ok "$(grep -q -- '-c user/main.c' <<< "$out"; echo $?)" "other flags: everything rebuilt" "$out"

# The testbed compiles with $CLANG too, arguments included.
out=$(CLANG="clang -Wno-unused-command-line-argument" bash -c \
	'. "$1/tests/testbed.sh" && TB_TMP=$2 && tb_xdp_pass_obj && test -s "$2/xdp_pass.o"' \
	_ "$ROOT" "$TMP" 2>&1)
ok $? "the testbed's clang takes CLANG with arguments" "$out"

out=$(cd "$TMP/src" && make install PREFIX=/usr DESTDIR="$TMP/root" CC="cc -std=gnu11" \
	CLANG="clang -Wno-unused-command-line-argument" CFLAGS="-O1 -g0" LDFLAGS="-Wl,-z,now" 2>&1)
unit=$TMP/root/usr/lib/systemd/system/wslfwd.service
ok "$([ -x "$TMP/root/usr/sbin/wslfwd" ] && [ -f "$unit" ] &&
      [ -f "$TMP/root/usr/share/man/man8/wslfwd.8" ]; echo $?)" \
	"make install DESTDIR=... PREFIX=/usr: binary, unit, man page" "$out"

# The systemd unit: fails when load fails, hardened.
ok "$(grep -q '^ExecStartPre=/usr/sbin/wslfwd load$' "$unit"; echo $?)" \
	"unit: ExecStartPre=load without '-' (a failed load fails the unit)" "$(grep Exec "$unit")"
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr ' ' '\n' | sort | tr '\n' ' ')
ok "$([ "$caps" = "CAP_BPF CAP_NET_ADMIN CAP_PERFMON CAP_SYS_ADMIN CAP_SYS_RESOURCE " ]; echo $?)" \
	"unit: capabilities bounded to BPF, PERFMON, NET_ADMIN, SYS_ADMIN, SYS_RESOURCE" "$caps"
missing=
for k in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
	 'RestrictAddressFamilies=AF_NETLINK AF_UNIX AF_INET AF_INET6'; do
	grep -qx "$k" "$unit" || missing="$missing $k"
done
ok "$([ -z "$missing" ]; echo $?)" "unit: hardening (NoNewPrivileges, ProtectSystem, ...)" "$missing"
if command -v systemd-analyze >/dev/null; then
	# verify wants the ExecStart binary where the unit says: point it at the build.
	sed "s|/usr/sbin/wslfwd|$TMP/root/usr/sbin/wslfwd|" "$unit" > "$TMP/wslfwd.service"
	out=$(systemd-analyze verify --man=no "$TMP/wslfwd.service" 2>&1)
	ok "$([ -z "$out" ]; echo $?)" "unit: systemd-analyze verify is silent" "$out"
else
	N=$((N + 1))
	echo "ok $N - unit: systemd-analyze verify # SKIP systemd-analyze not installed"
fi

echo "1..$N"
[ "$FAILED" = 0 ]
