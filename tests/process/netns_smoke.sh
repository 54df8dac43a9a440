#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Smoke test through network namespaces: a client, two TLS servers and tlslb
# between them on veth pairs (net_af_packet on tlslb's ends), two-arm NAT.
#
#   cl (curl) --veth-- [lb: hc | tlslb | hs] --veth-- br0 --veth-- s1, s2 (openssl s_server)
#
# tlslb runs in a namespace of its own, so the veth ends it polls carry no
# address and the host's routing never sees a packet. Every connection must
# succeed and they must alternate between the servers (equal weights).
#
# usage: netns_smoke.sh TLSLB   (root; exit 77 = skipped)
# TLSLB_NETNS_MODE=tls runs the service in mode tls (delayed binding).
set -u

TLSLB=${1:?usage: $0 TLSLB}
CONNECTIONS=${TLSLB_NETNS_CONNECTIONS:-10}
BUDGET=${TLSLB_NETNS_BUDGET:-50}
MODE=${TLSLB_NETNS_MODE:-l4}

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
	export TLSLB_NETNS_TAG=tlb$$
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

# Servers, told apart by certificate CN and by the page they serve.
for i in 1 2; do
	mkdir -p "$DIR/s$i"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj "/CN=server$i" -keyout "$DIR/s$i/key.pem" -out "$DIR/s$i/cert.pem" \
		>/dev/null 2>&1 || fail "certificate for server$i"
	echo "server$i" >"$DIR/s$i/who.txt"
	(cd "$DIR/s$i" && exec ip netns exec "$TAG-s$i" openssl s_server -quiet -accept 443 \
		-cert cert.pem -key key.pem -WWW >"$DIR/s$i.log" 2>&1) &
	PIDS+=($!)
done

cat >"$DIR/tlslb.conf" <<EOF
# netns smoke test: two-arm NAT, two backends of equal weight, mode $MODE
port add client dev net_af_packet0 role client
port add server dev net_af_packet1 role server
address add $LB_CL_IP/24 port client
address add $LB_SV_IP/24 port server
service add $VIP:443 mode $MODE nat two-arm
backend add $VIP:443 $S1_IP:443 weight 1
backend add $VIP:443 $S2_IP:443 weight 1
set limit flows 4096
EOF

# Two lcores whatever the machine: the main one watches, the worker polls.
CPUS=($(taskset -pc $$ 2>/dev/null | sed 's/.*: //' | tr ',' '\n' | \
	awk -F- '{ if (NF == 2) for (c = $1; c <= $2; c++) print c; else print $1 }'))
C0=${CPUS[0]:-0}
C1=${CPUS[1]:-$C0}
ip netns exec "$NS_LB" "$TLSLB" --no-huge --no-pci -m 512 --no-shconf --no-telemetry --file-prefix "netns_$TAG" \
	--lcores="0@$C0,1@$C1" --log-level=lib.eal:error \
	--vdev net_af_packet0,iface=hc,qpairs=1 --vdev net_af_packet1,iface=hs,qpairs=1 \
	-- --config "$DIR/tlslb.conf" --socket "$DIR/tlslb.sock" >"$DIR/tlslb.log" 2>&1 &
LB_PID=$!

for _ in $(seq 100); do
	grep -q "tlslb: running" "$DIR/tlslb.log" 2>/dev/null && break
	kill -0 "$LB_PID" 2>/dev/null || fail "tlslb exited at start-up"
	sleep 0.1
done
grep -q "tlslb: running" "$DIR/tlslb.log" || fail "tlslb did not start"
for i in 1 2; do
	for _ in $(seq 100); do
		in_ns "$TAG-s$i" ss -ltn 2>/dev/null | grep -q ':443 ' && break
		sleep 0.1
	done
	in_ns "$TAG-s$i" ss -ltn | grep -q ':443 ' || fail "server$i not listening"
done

echo "# $CONNECTIONS connections to https://$VIP/"
seen=()
for n in $(seq "$CONNECTIONS"); do
	page=$(in_ns "$NS_CL" curl -sSk --max-time 5 "https://$VIP/who.txt" 2>"$DIR/curl.err")
	cn=$(in_ns "$NS_CL" timeout 5 openssl s_client -connect "$VIP:443" </dev/null 2>/dev/null |
		sed -n 's/^subject=.*CN *= *\([^,/]*\).*/\1/p' | head -1)
	[ -n "$page" ] || fail "connection $n: curl failed: $(cat "$DIR/curl.err")"
	[ -n "$cn" ] || fail "connection $n: openssl s_client saw no certificate"
	echo "ok $n - curl: $page, s_client: $cn"
	seen+=("$page" "$cn")
done

# Two connections per round (curl, then s_client): with equal weights every
# connection must go to the other server than the one before it.
prev=
for who in "${seen[@]}"; do
	[ "$who" = server1 ] || [ "$who" = server2 ] || fail "unexpected answer '$who'"
	[ "$who" != "$prev" ] || fail "two connections in a row went to $who: ${seen[*]}"
	prev=$who
done
echo "# alternated over $((2 * CONNECTIONS)) connections: ${seen[*]}"

if [ "$MODE" = tls ]; then
	# TLS 1.2 session-ID resumption: tlslb learns the session ID from the
	# first ServerHello, so every resumption lands on the issuing server
	# (round-robin alone would alternate) and the server resumes it.
	sc() {
		in_ns "$NS_CL" timeout 5 openssl s_client -connect "$VIP:443" -tls1_2 -no_ticket "$@" \
			</dev/null 2>/dev/null
	}
	first=$(sc -sess_out "$DIR/sess.pem" | sed -n 's/^subject=.*CN *= *\([^,/]*\).*/\1/p' | head -1)
	[ -n "$first" ] || fail "TLS 1.2 connection failed"
	for n in 1 2 3 4; do
		outp=$(sc -sess_in "$DIR/sess.pem")
		echo "$outp" | grep -q '^Reused, ' || fail "resumption $n: not resumed (went to the other server?)"
		echo "ok resumption $n - resumed on the server that issued the session ($first)"
	done
fi

kill -TERM "$LB_PID"
for _ in $(seq 50); do kill -0 "$LB_PID" 2>/dev/null || break; sleep 0.1; done
wait "$LB_PID"
status=$?
LB_PID=
[ "$status" = 0 ] || fail "tlslb exited with $status after SIGTERM"
grep -q "tlslb: stopping" "$DIR/tlslb.log" || fail "tlslb did not stop cleanly"
echo "--- tlslb counters"
sed -n '/tlslb: stopping/,$p' "$DIR/tlslb.log"
echo "PASS"
exit 0
