#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# What `make bench` needs beyond tests/deps.sh, from Debian/Ubuntu's own
# packages, installed only when something is missing.
set -e
PKGS="nftables netsniff-ng wrk sockperf gnuplot-nox jq"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "wslfwd bench: missing packages:$missing — run 'sudo make bench'" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Keep services (nftables) from starting on install: policy-rc.d.
rc=/usr/sbin/policy-rc.d
own_rc=0
if [ ! -e $rc ]; then printf '#!/bin/sh\nexit 101\n' > $rc; chmod +x $rc; own_rc=1; fi
apt-get install -y -qq --no-install-recommends $missing >/dev/null || st=$?
[ $own_rc = 1 ] && rm -f $rc
exit ${st:-0}
