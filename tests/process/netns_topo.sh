# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# What the netns tests share, sourced by netns_smoke.sh and netns_health.sh:
# the end-to-end topology of tests/e2e/topo.sh (tlslb in $TAG-lb between
# client c1 and servers s1, s2, two-arm NAT), with openssl s_server for
# servers, told apart by certificate CN and by the page they serve.
#
#   netns_preflight TLSLB     skip (77) unless root and the tools are there
#   topo_bounded ...          then the bounded inner run (tests/e2e/topo.sh)
#   topo_up, netns_s_server, topo_tlslb, ..., netns_tlslb_stop

# shellcheck source=../e2e/topo.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../e2e" && pwd)/topo.sh"

# Each failure shows the whole tlslb log.
TOPO_LOG_TAIL=+1

netns_preflight() {
	topo_preflight openssl curl ethtool timeout ss
	[ -x "$1" ] || { echo "FAIL: $1 is not executable"; exit 1; }
}

# netns_s_server I: openssl s_server in sI, with a certificate of CN serverI
# and the page who.txt saying serverI; returns once it listens. Started
# again after a kill, it keeps its certificate.
netns_s_server() {
	local i=$1 d=$DIR/server$1
	if [ ! -f "$d/cert.pem" ]; then
		topo_cert "server$i" || fail "certificate for server$i"
		echo "server$i" >"$d/who.txt"
	fi
	# -WWW serves files from the working directory; the absolute paths
	# name $DIR on its command line, for topo_leftovers.
	(cd "$d" && exec ip netns exec "$TAG-s$i" openssl s_server -quiet -accept 443 \
		-cert "$d/cert.pem" -key "$d/key.pem" -WWW >>"$DIR/s$i.log" 2>&1) &
	# topo_sweep kills it with its namespace: not a job to report then.
	disown "$!"
	topo_wait_listen "s$i" 443 || fail "server$i not listening"
}

# netns_tlslb_stop: SIGTERM; tlslb must exit with 0 after logging its
# counters ("tlslb: stopping" and what follows).
netns_tlslb_stop() {
	local status
	kill -TERM "$LB_PID"
	for _ in $(seq 50); do kill -0 "$LB_PID" 2>/dev/null || break; sleep 0.1; done
	wait "$LB_PID"
	status=$?
	LB_PID=
	[ "$status" = 0 ] || fail "tlslb exited with $status after SIGTERM"
	grep -q "tlslb: stopping" "$DIR/tlslb.log" || fail "tlslb did not stop cleanly"
}
