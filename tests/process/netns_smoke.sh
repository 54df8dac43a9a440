#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Smoke test through network namespaces: a client, two TLS servers and tlslb
# between them on veth pairs (net_af_packet on tlslb's ends), two-arm NAT, in
# the end-to-end topology (tests/e2e/topo.sh, through netns_topo.sh):
#
#   c1 (curl) -- brc -- [lb: hc | tlslb | hs] -- brs -- s1, s2 (openssl s_server)
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

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=netns_topo.sh
. "$HERE/netns_topo.sh"
netns_preflight "$TLSLB"
topo_bounded tlb "$BUDGET" "$0" "$@"
LB_PID=
VIP=$E2E_VIP
NS_CL=$TAG-c1

topo_up || fail "topology"
netns_s_server 1
netns_s_server 2
{
	echo "# netns smoke test: two-arm NAT, two backends of equal weight, mode $MODE"
	topo_conf "$MODE"
} >"$DIR/tlslb.conf"
topo_tlslb "$TLSLB" "$DIR/tlslb.conf" "$DIR/tlslb.log" || fail "tlslb start"

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

netns_tlslb_stop
echo "--- tlslb counters"
sed -n '/tlslb: stopping/,$p' "$DIR/tlslb.log"
echo "PASS"
exit 0
