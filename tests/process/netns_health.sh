#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Health checks through network namespaces, in netns_smoke.sh's topology
# (a client, tlslb, two real TLS servers, two-arm NAT):
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

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root"
ip netns list >/dev/null 2>&1 || skip "ip netns unavailable"
for tool in openssl curl ethtool timeout ss; do
	command -v "$tool" >/dev/null || skip "$tool not installed"
done
[ -x "$TLSLB" ] || { echo "FAIL: $TLSLB is not executable"; exit 1; }

# Everything this run creates is named after TAG, so whatever becomes of the
# inner run (even SIGKILL at the deadline), the outer one can sweep it away.
sweep() {
	local tag=$1 ns pid
	for ns in "$tag-cl" "$tag-s1" "$tag-s2" "$tag-lb"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "/tmp/tlslb-netns-$tag"
	rmdir "/var/run/dpdk/netns_$tag" 2>/dev/null
	return 0
}

if [ -z "${TLSLB_NETNS_TAG:-}" ]; then
	export TLSLB_NETNS_TAG=tlh$$
	timeout --kill-after=5 "$BUDGET" "$0" "$@" &
	child=$!
	# timeout runs in a process group of its own: pass an interrupt on.
	trap 'kill -TERM "$child" 2>/dev/null' INT TERM
	wait "$child"
	rc=$?
	# A trapped signal ends the wait early: wait again for the real status.
	while kill -0 "$child" 2>/dev/null; do
		wait "$child"
		rc=$?
	done
	sweep "$TLSLB_NETNS_TAG"
	[ "$rc" = 124 ] && echo "FAIL: out of time ($BUDGET s)"
	exit "$rc"
fi

TAG=$TLSLB_NETNS_TAG
NS_LB=$TAG-lb
NS_CL=$TAG-cl
NS_S1=$TAG-s1
NS_S2=$TAG-s2
DIR=/tmp/tlslb-netns-$TAG
mkdir -m 700 "$DIR" || exit 1
PIDS=()
LB_PID=

VIP=10.99.1.100
CL_IP=10.99.1.2
LB_CL_IP=10.99.1.1
LB_SV_IP=10.99.2.1
S1_IP=10.99.2.11
S2_IP=10.99.2.12

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$LB_PID" ] && kill -0 "$LB_PID" 2>/dev/null; then
		kill -TERM "$LB_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$LB_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$LB_PID" 2>/dev/null
	fi
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	wait 2>/dev/null
	sweep "$TAG"
	exit "$rc"
}
trap cleanup EXIT
trap 'echo "FAIL: interrupted or out of time"; exit 1' INT TERM

fail() {
	echo "FAIL: $*"
	if [ -f "$DIR/tlslb.log" ]; then
		echo "--- tlslb log"
		cat "$DIR/tlslb.log"
	fi
	exit 1
}

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

quiet_ns() {
	# No IPv6 chatter (router solicitations, DAD) in the captures tlslb sees.
	in_ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	in_ns "$1" ip link set lo up
}

no_offload() {
	# Partial checksums on veth would reach tlslb unfinished.
	in_ns "$1" ethtool -K "$2" tx off >/dev/null 2>&1 || fail "ethtool -K $2 tx off in $1"
}

for ns in "$NS_LB" "$NS_CL" "$NS_S1" "$NS_S2"; do
	ip netns add "$ns" || fail "ip netns add $ns"
	quiet_ns "$ns"
done

# Client side: hc (tlslb) <-> eth0 (client).
ip -n "$NS_LB" link add hc type veth peer name eth0 netns "$NS_CL" || fail "veth hc"
ip -n "$NS_CL" link set eth0 address 02:99:01:00:00:02
# Server side: hs (tlslb) <-> hsb on a bridge with the servers' peers.
ip -n "$NS_LB" link add hs type veth peer name hsb || fail "veth hs"
ip -n "$NS_LB" link add br0 type bridge || fail "bridge"
ip -n "$NS_LB" link add s1b type veth peer name eth0 netns "$NS_S1" || fail "veth s1"
ip -n "$NS_LB" link add s2b type veth peer name eth0 netns "$NS_S2" || fail "veth s2"
ip -n "$NS_S1" link set eth0 address 02:99:02:00:00:11
ip -n "$NS_S2" link set eth0 address 02:99:02:00:00:12
for ifc in hsb s1b s2b; do
	ip -n "$NS_LB" link set "$ifc" master br0
	ip -n "$NS_LB" link set "$ifc" up
	no_offload "$NS_LB" "$ifc"
done
ip -n "$NS_LB" link set br0 up
for ifc in hc hs; do
	# Up, no address, no ARP from the kernel: the frames are tlslb's alone.
	ip -n "$NS_LB" link set "$ifc" arp off
	ip -n "$NS_LB" link set "$ifc" up
	no_offload "$NS_LB" "$ifc"
done

ip -n "$NS_CL" addr add "$CL_IP/24" dev eth0
ip -n "$NS_CL" link set eth0 up
ip -n "$NS_CL" route add default via "$LB_CL_IP"
no_offload "$NS_CL" eth0
for i in 1 2; do
	ns=$TAG-s$i
	ip_var=S${i}_IP
	ip -n "$ns" addr add "${!ip_var}/24" dev eth0
	ip -n "$ns" link set eth0 up
	# Two-arm: replies to the client's address go back through tlslb.
	ip -n "$ns" route add default via "$LB_SV_IP"
	no_offload "$ns" eth0
done

start_server() {
	local i=$1
	(cd "$DIR/s$i" && exec ip netns exec "$TAG-s$i" openssl s_server -quiet -accept 443 \
		-cert cert.pem -key key.pem -WWW >>"$DIR/s$i.log" 2>&1) &
	PIDS+=($!)
	for _ in $(seq 100); do
		in_ns "$TAG-s$i" ss -ltn 2>/dev/null | grep -q ':443 ' && return 0
		sleep 0.1
	done
	fail "server$i not listening"
}

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

cat >"$DIR/tlslb.conf" <<CONF
# netns health test: two-arm NAT, two backends of equal weight, mode $MODE
port add client dev net_af_packet0 role client
port add server dev net_af_packet1 role server
address add $LB_CL_IP/24 port client
address add $LB_SV_IP/24 port server
service add $VIP:443 mode $MODE nat two-arm
service health $VIP:443 on interval $INTERVAL timeout $TIMEOUT rise $RISE fall $FALL
backend add $VIP:443 $S1_IP:443 weight 1
backend add $VIP:443 $S2_IP:443 weight 1
set limit flows 4096
CONF

for i in 1 2; do
	mkdir -p "$DIR/s$i"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj "/CN=server$i" -keyout "$DIR/s$i/key.pem" -out "$DIR/s$i/cert.pem" \
		>/dev/null 2>&1 || fail "certificate for server$i"
	echo "server$i" >"$DIR/s$i/who.txt"
	start_server "$i"
done

# Two lcores whatever the machine: the main one watches, the worker polls.
CPUS=($(taskset -pc $$ 2>/dev/null | sed 's/.*: //' | tr ',' '\n' | \
	awk -F- '{ if (NF == 2) for (c = $1; c <= $2; c++) print c; else print $1 }'))
C0=${CPUS[0]:-0}
C1=${CPUS[1]:-$C0}
ip netns exec "$NS_LB" "$TLSLB" --no-huge --no-pci -m 512 --no-shconf --no-telemetry \
	--file-prefix "netns_$TAG" --lcores="0@$C0,1@$C1" --log-level=lib.eal:error \
	--vdev net_af_packet0,iface=hc,qpairs=1 --vdev net_af_packet1,iface=hs,qpairs=1 \
	-- --config "$DIR/tlslb.conf" --socket "$DIR/tlslb.sock" --stats-interval 1 >"$DIR/tlslb.log" 2>&1 &
LB_PID=$!

for _ in $(seq 100); do
	grep -q "tlslb: running" "$DIR/tlslb.log" 2>/dev/null && break
	if ! kill -0 "$LB_PID" 2>/dev/null; then
		fail "tlslb exited at start-up"
	fi
	sleep 0.1
done
grep -q "tlslb: running" "$DIR/tlslb.log" || fail "tlslb did not start"

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
start_server 1
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

kill -TERM "$LB_PID"
for _ in $(seq 50); do kill -0 "$LB_PID" 2>/dev/null || break; sleep 0.1; done
wait "$LB_PID"
status=$?
LB_PID=
[ "$status" = 0 ] || fail "tlslb exited with $status after SIGTERM"
grep -q "tlslb: stopping" "$DIR/tlslb.log" || fail "tlslb did not stop cleanly"
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
