#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The problem tlslb exists for, measured: clients C1 and C2 reconnect to two
# nginx servers through tlslb, alternating, each resuming its last session.
# For each scenario (TLS 1.2 session IDs, TLS 1.2 tickets, TLS 1.3 tickets)
# and each mode (l4: plain round-robin; tls: TLS-aware routing) it prints
# connections, full and resumed handshakes, the resumption rate and the
# connections per server, as the clients saw them.
#
# usage: resumption.sh TLSLB [ROUNDS]   (root; exit 77 = skipped)
# E2E_ASSERT=1: fail unless mode tls resumes >= E2E_MIN_RATE % (default 99)
# in every scenario that tlslb can route today (E2E_SCENARIOS).
set -u

TLSLB=${1:?usage: $0 TLSLB [ROUNDS]}
ROUNDS=${2:-${E2E_ROUNDS:-20}}
BUDGET=${E2E_BUDGET:-240}
HERE=$(cd "$(dirname "$0")" && pwd)
SCENARIOS=${E2E_SCENARIOS:-"tls12-session-id tls12-ticket tls13-ticket"}
MODES=${E2E_MODES:-"l4 tls"}
MIN_RATE=${E2E_MIN_RATE:-99}

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
for tool in openssl nginx ethtool timeout ss ip; do
	command -v "$tool" >/dev/null || skip "$tool not installed"
done
[ -x "$TLSLB" ] || { echo "FAIL: $TLSLB is not executable"; exit 1; }
# shellcheck source=topo.sh
. "$HERE/topo.sh"

if [ -z "${E2E_TAG:-}" ]; then
	export E2E_TAG=e2e$$
	timeout --kill-after=5 "$BUDGET" "$0" "$@" &
	child=$!
	trap 'kill -TERM "$child" 2>/dev/null' INT TERM
	wait "$child"
	rc=$?
	while kill -0 "$child" 2>/dev/null; do
		wait "$child"
		rc=$?
	done
	topo_sweep "$E2E_TAG"
	rm -rf "/tmp/tlslb-$E2E_TAG"
	[ "$rc" = 124 ] && echo "FAIL: out of time ($BUDGET s)"
	exit "$rc"
fi

TAG=$E2E_TAG
DIR=/tmp/tlslb-$TAG
mkdir -m 700 "$DIR" || exit 1
LB_PID=

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	topo_tlslb_stop
	topo_nginx_stop 1 >/dev/null 2>&1
	topo_nginx_stop 2 >/dev/null 2>&1
	topo_sweep "$TAG"
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "FAIL: interrupted or out of time"; exit 1' INT TERM

fail() {
	echo "FAIL: $*"
	[ -f "$DIR/tlslb.log" ] && { echo "--- tlslb log"; tail -40 "$DIR/tlslb.log"; }
	exit 1
}

topo_up || fail "topology"

# scenario -> nginx tickets, nginx cache, s_client options
scenario_opts() {
	case $1 in
	tls12-session-id) echo "off on -tls1_2 -no_ticket" ;;
	tls12-ticket) echo "on off -tls1_2" ;;
	tls13-ticket) echo "on off -tls1_3" ;;
	*) return 1 ;;
	esac
}

printf '%-18s %-5s %6s %6s %8s %7s %5s %5s %5s\n' scenario mode conns full resumed rate s1 s2 fail
failed=0
for sc in $SCENARIOS; do
	read -r tickets cache ver extra <<<"$(scenario_opts "$sc")" || fail "unknown scenario $sc"
	topo_nginx 1 "$tickets" "$cache" || fail "nginx s1"
	topo_nginx 2 "$tickets" "$cache" || fail "nginx s2"
	for mode in $MODES; do
		topo_conf "$mode" >"$DIR/tlslb.conf"
		topo_tlslb "$TLSLB" "$DIR/tlslb.conf" "$DIR/tlslb.log" || fail "tlslb ($mode)"
		rm -f "$DIR"/c?.sess
		full=0 resumed=0 fails=0 n1=0 n2=0
		for r in $(seq "$ROUNDS"); do
			# c1 c2, then c2 c1: under round-robin each client lands on the
			# other server every time, the pattern of the original problem.
			order="c1 c2"
			[ $((r % 2)) = 0 ] && order="c2 c1"
			for c in $order; do
				# shellcheck disable=SC2086
				read -r who how <<<"$(topo_connect "$c" "$DIR/$c.sess" "$ver" $extra)"
				case $who in s1) n1=$((n1 + 1)) ;; s2) n2=$((n2 + 1)) ;; *) fails=$((fails + 1)); continue ;; esac
				# The first connection of each client has nothing to resume.
				[ "$r" = 1 ] && continue
				[ "$how" = reused ] && resumed=$((resumed + 1)) || full=$((full + 1))
			done
		done
		total=$((full + resumed))
		rate=$(awk -v r="$resumed" -v t="$total" 'BEGIN { printf "%.1f", t ? 100 * r / t : 0 }')
		printf '%-18s %-5s %6d %6d %8d %6s%% %5d %5d %5d\n' "$sc" "$mode" $((n1 + n2 + fails)) \
			"$full" "$resumed" "$rate" "$n1" "$n2" "$fails"
		topo_tlslb_stop
		if [ "${E2E_ASSERT:-0}" = 1 ]; then
			[ "$fails" = 0 ] || { echo "not ok - $sc $mode: $fails connections failed"; failed=1; }
			if [ "$mode" = tls ] && awk -v r="$rate" -v m="$MIN_RATE" 'BEGIN { exit !(r < m) }'; then
				echo "not ok - $sc $mode: resumption rate $rate% < $MIN_RATE%"
				failed=1
			fi
		fi
	done
	topo_nginx_stop 1 || fail "nginx s1 did not stop"
	topo_nginx_stop 2 || fail "nginx s2 did not stop"
done
[ "$failed" = 0 ] || fail "see above"
echo PASS
