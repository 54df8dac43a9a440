#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Health checks through network namespaces, in netns_smoke.sh's topology
# (tests/e2e/topo.sh through netns_topo.sh: a client, tlslb, two real TLS
# servers, two-arm NAT):
#
#   1. both servers pass their probes;
#   2. server1 killed (its kernel answers RST): tlslb logs it down within
#      interval * fall + timeout, and new connections all go to server2;
#   3. server1 restarted: up again within interval * rise + timeout, and
#      connections reach both servers again;
#   4. server1 silent (its link down: probes time out): down again, then
#      up when the link returns.
# Observed through the daemon's log lines and printed counters only.
#
# usage: netns_health.sh TLSLB   (root; exit 77 = skipped)
# TLSLB_NETNS_MODE=tls runs the service in mode tls.
set -u

TLSLB=${1:?usage: $0 TLSLB}
BUDGET=${TLSLB_NETNS_BUDGET:-75}
MODE=${TLSLB_NETNS_MODE:-l4}
INTERVAL=300 # ms
TIMEOUT=300  # ms
RISE=2
FALL=2
# Allowed beyond interval * fall + timeout: the shell's polling, a busy machine.
SLACK_MS=${TLSLB_HEALTH_SLACK_MS:-1500}

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netns_topo.sh
. "$HERE/netns_topo.sh"
netns_preflight "$TLSLB"
topo_bounded tlh "$BUDGET" "$0" "$@"
LB_PID=
VIP=$E2E_VIP
S1_IP=$E2E_S1_IP
NS_CL=$TAG-c1
NS_S1=$TAG-s1

topo_up || fail "topology"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Wait until the log has $2 lines matching regex $1, at most $3 ms; prints the ms it took.
wait_log() {
	local re=$1 count=$2 limit=$3 t0 n
	t0=$(now_ms)
	while :; do
		n=$(grep -c -E "$re" "$DIR/tlslb.log" 2>/dev/null)
		if [ "${n:-0}" -ge "$count" ]; then
			echo $(($(now_ms) - t0))
			return 0
		fi
		[ $(($(now_ms) - t0)) -gt "$limit" ] && return 1
		kill -0 "$LB_PID" 2>/dev/null || return 1
		sleep 0.05
	done
}

# The last value of counter $1 the daemon printed (0 if none yet).
counter() {
	local v
	v=$(grep -E "^$1 [0-9]+$" "$DIR/tlslb.log" | tail -1 | cut -d' ' -f2)
	echo "${v:-0}"
}

# $1 connections; prints the servers that answered, space-separated.
connect_n() {
	local n=$1 who k out=()
	for k in $(seq "$n"); do
		who=$(in_ns "$NS_CL" curl -sSk --max-time 5 "https://$VIP/who.txt" 2>"$DIR/curl.err")
		[ -n "$who" ] || who="failed($(tr -d '\n' <"$DIR/curl.err"))"
		out+=("$who")
	done
	echo "${out[*]}"
}

{
	echo "# netns health test: two-arm NAT, two backends of equal weight, mode $MODE"
	topo_conf "$MODE"
	echo "service health $VIP:443 on interval $INTERVAL timeout $TIMEOUT rise $RISE fall $FALL"
} >"$DIR/tlslb.conf"
netns_s_server 1
netns_s_server 2
topo_tlslb "$TLSLB" "$DIR/tlslb.conf" "$DIR/tlslb.log" --stats-interval 1 || fail "tlslb start"

DOWN_BOUND=$((INTERVAL * FALL + TIMEOUT + SLACK_MS))
UP_BOUND=$((INTERVAL * RISE + TIMEOUT + SLACK_MS))
S1_RE="health: backend $S1_IP:443 of $VIP:443 \(slot 0\)"

# 1. Both pass: probes answered (counters printed every second), nobody down.
for _ in $(seq 50); do
	[ "$(counter backend0.health_ok)" -ge 2 ] && [ "$(counter backend1.health_ok)" -ge 2 ] &&
		break
	sleep 0.1
done
[ "$(counter backend0.health_ok)" -ge 2 ] || fail "server1 never passed a probe"
[ "$(counter backend1.health_ok)" -ge 2 ] || fail "server2 never passed a probe"
grep -q -E "health: .* down" "$DIR/tlslb.log" && fail "a backend went down while both servers run"
echo "ok 1 - both servers pass their probes"

# 2. server1 killed: its kernel refuses, tlslb takes it down, server2 takes everything.
for pid in $(ip netns pids "$NS_S1"); do kill -TERM "$pid"; done
took=$(wait_log "$S1_RE down" 1 "$DOWN_BOUND") || fail "server1 not down within $DOWN_BOUND ms"
echo "ok 2 - server1 killed: down after $took ms (bound $DOWN_BOUND ms)"
seen=$(connect_n 6)
[ "$seen" = "server2 server2 server2 server2 server2 server2" ] ||
	fail "with server1 down, connections went to: $seen"
echo "ok 3 - six connections, all to server2"

# 3. server1 back: up again, both take connections.
netns_s_server 1
took=$(wait_log "$S1_RE up" 1 "$UP_BOUND") || fail "server1 not up within $UP_BOUND ms"
echo "ok 4 - server1 restarted: up after $took ms (bound $UP_BOUND ms)"
seen=$(connect_n 4)
case "$seen" in
*server1*server2* | *server2*server1*) ;;
*) fail "with server1 up again, connections went to: $seen" ;;
esac
echo "ok 5 - connections reach both servers again: $seen"

# 4. server1 silent: its probes time out.
ip -n "$NS_S1" link set eth0 down || fail "link down in $NS_S1"
took=$(wait_log "$S1_RE down" 2 "$DOWN_BOUND") || fail "silent server1 not down within $DOWN_BOUND ms"
echo "ok 6 - server1 silent: down after $took ms (bound $DOWN_BOUND ms)"
ip -n "$NS_S1" link set eth0 up || fail "link up in $NS_S1"
took=$(wait_log "$S1_RE up" 2 "$UP_BOUND") || fail "server1 not up again within $UP_BOUND ms"
echo "ok 7 - server1 answers again: up after $took ms"

netns_tlslb_stop
final() { sed -n '/tlslb: stopping/,$p' "$DIR/tlslb.log" | grep -E "^$1 " | cut -d' ' -f2; }
[ "$(final backend0.health_went_down)" = 2 ] || fail "backend0.health_went_down is not 2"
[ "$(final backend0.health_went_up)" = 2 ] || fail "backend0.health_went_up is not 2"
[ "$(final backend0.health_refused)" -ge "$FALL" ] || fail "backend0.health_refused below $FALL"
[ "$(final backend0.health_timeout)" -ge "$FALL" ] || fail "backend0.health_timeout below $FALL"
[ -z "$(final backend1.health_went_down)" ] || fail "backend1 went down"
echo "ok 8 - final counters: server1 down and up twice (refused, then timed out); server2 never down"
echo "--- health lines and final counters"
grep -E "health: " "$DIR/tlslb.log"
sed -n '/tlslb: stopping/,$p' "$DIR/tlslb.log" | grep -E "health|drop"
echo "PASS"
exit 0
