#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# What `make bench` needs beyond the test set-up, installed by tests/deps.sh
# from Debian/Ubuntu's own packages only when something is missing.
exec sh "$(dirname "$0")/../tests/deps.sh" nftables netsniff-ng wrk sockperf gnuplot-nox jq
