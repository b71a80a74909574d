#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Install what wslfwd needs to build, test and demo, from Debian/Ubuntu's own
# packages, only when something is missing. Extra package names given as
# arguments are wanted too (bench/deps.sh passes the benchmark's tools).
set -e
PKGS="make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev libmnl-dev libjson-c-dev
      pkg-config iproute2 iputils-ping ethtool curl socat iperf3 nginx-light nftables procps jq"
# bpftool: its own package on Debian 12+, part of linux-tools on Ubuntu.
if command -v bpftool >/dev/null 2>&1 && bpftool version >/dev/null 2>&1; then :;
elif apt-cache show bpftool >/dev/null 2>&1; then PKGS="$PKGS bpftool";
else PKGS="$PKGS linux-tools-common linux-tools-generic"; fi

PKGS="$PKGS $*"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "wslfwd: missing packages:$missing — install them as root, e.g. 'sudo make deps'" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Packages such as nginx-light start their service on install; the tests
# only want the binaries, so keep services from starting (policy-rc.d).
rc=/usr/sbin/policy-rc.d
own_rc=0
if [ ! -e $rc ]; then printf '#!/bin/sh\nexit 101\n' > $rc; chmod +x $rc; own_rc=1; fi
apt-get install -y -qq --no-install-recommends $missing >/dev/null || st=$?
[ $own_rc = 1 ] && rm -f $rc
exit ${st:-0}
