#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The problem tlslb exists for, measured: clients C1 and C2 reconnect to two
# nginx servers through tlslb, alternating, each resuming its last session.
# For each scenario (TLS 1.2 session IDs, TLS 1.2 tickets, TLS 1.3 tickets,
# and on demand TLS 1.2/1.3 tickets with a ClientHello larger than one TCP
# segment) and each mode (l4: tlslb plain round-robin; tls: tlslb TLS-aware;
# haproxy: Debian's HAProxy in tlslb's place, TCP mode with its documented
# SSL session-ID stick table) it prints connections, full and resumed
# handshakes, the resumption rate and the connections per server, as the
# clients saw them.
#
# usage: resumption.sh TLSLB [ROUNDS]   (root; exit 77 = skipped)
# E2E_SCENARIOS: scenarios to run (default: the three of the original problem)
# E2E_MODES: modes to run (default: l4 tls, and haproxy when installed)
# E2E_ASSERT=1: fail unless mode tls resumes >= E2E_MIN_RATE % (default 99)
# in the scenarios of E2E_ASSERT_SCENARIOS that run (the ones tlslb can
# route today), no tlslb connection fails, and the large hellos really span
# segments. Mode haproxy is reported, never asserted.
# In mode tls the servers also share session-ticket keys: tlslb's key service
# gives each nginx its own encrypting key and every other's for decryption
# (tlslb-keyagent, E2E_KEYAGENT; E2E_KEYS=0 turns it off), so TLS 1.3
# tickets, whose key names tlslb cannot learn from the wire, route too.
# E2E_KEEP=1: after the table, leave the topology, the last scenario's nginx
# pair and tlslb (mode tls) running, and say how to reach and remove them
# (resumption.sh --sweep TAG).
set -u

if [ "${1:-}" = --sweep ]; then
	tag=${2:?usage: $0 --sweep TAG}
	# shellcheck source=topo.sh
	. "$(cd "$(dirname "$0")" && pwd)/topo.sh"
	topo_sweep "$tag"
	rm -rf "/tmp/tlslb-$tag"
	exit 0
fi

TLSLB=${1:?usage: $0 TLSLB [ROUNDS]}
ROUNDS=${2:-${E2E_ROUNDS:-20}}
BUDGET=${E2E_BUDGET:-240}
HERE=$(cd "$(dirname "$0")" && pwd)
SCENARIOS=${E2E_SCENARIOS:-"tls12-session-id tls12-ticket tls13-ticket"}
ASSERT_SCENARIOS=${E2E_ASSERT_SCENARIOS:-"tls12-session-id tls12-ticket tls12-large-hello"}
if [ -z "${E2E_MODES:-}" ]; then
	E2E_MODES="l4 tls"
	command -v haproxy >/dev/null && E2E_MODES+=" haproxy"
fi
MODES=$E2E_MODES
MIN_RATE=${E2E_MIN_RATE:-99}
KEYAGENT=${E2E_KEYAGENT:-$(dirname "$TLSLB")/../tools/keyagent/tlslb-keyagent}
KEYS=${E2E_KEYS:-1}
TLSLBCTL=${E2E_TLSLBCTL:-$(dirname "$TLSLB")/../tools/tlslbctl/tlslbctl}

# shellcheck source=topo.sh
. "$HERE/topo.sh"
topo_preflight openssl nginx ethtool timeout ss ip
case " $MODES " in *" haproxy "*) command -v haproxy >/dev/null || skip "haproxy not installed" ;; esac
case " $SCENARIOS " in *large-hello*) topo_preflight tcpdump tshark ;; esac
[ -x "$TLSLB" ] || { echo "FAIL: $TLSLB is not executable"; exit 1; }
topo_bounded e2e "$BUDGET" "$0" "$@"
LB_PID=
HAPROXY_PID=

topo_up || fail "topology"
# One certificate for the pair, as a real deployment has: nginx binds a
# session to its certificate, so only then can a server resume its peer's.
topo_shared_cert || fail "certificate"

# A ClientHello larger than one segment: many groups (ffdhe8192 among them;
# X25519 first, so the key share stays cheap: an ffdhe8192 share costs
# ~0.6 s of CPU per connection here) and an ALPN list of long names with
# http/1.1 among them: ~3.8 kB, three segments at MSS 1460. In TLS 1.3 the
# pre_shared_key extension, last, lands in the last segment; in TLS 1.2
# OpenSSL sends the SessionTicket extension before ALPN, in the first one.
LARGE_GROUPS=X25519:P-256:P-384:P-521:X448:ffdhe2048:ffdhe3072:ffdhe4096:ffdhe6144:ffdhe8192
LARGE_ALPN=http/1.1
for i in $(seq 16); do
	LARGE_ALPN+=",$(printf 'proto-%03d-%0200d' "$i" 0)"
done

# scenario -> nginx tickets, nginx cache, s_client options
scenario_opts() {
	case $1 in
	tls12-session-id) echo "off on -tls1_2 -no_ticket" ;;
	tls12-ticket) echo "on off -tls1_2" ;;
	tls13-ticket) echo "on off -tls1_3" ;;
	tls12-large-hello) echo "on off -tls1_2 -groups $LARGE_GROUPS -alpn $LARGE_ALPN" ;;
	tls13-large-hello) echo "on off -tls1_3 -groups $LARGE_GROUPS -alpn $LARGE_ALPN" ;;
	*) return 1 ;;
	esac
}

# lb_start MODE / lb_stop MODE: put tlslb (modes l4, tls) or HAProxy (mode
# haproxy, lb's kernel owning the links) between clients and servers.
lb_start() {
	case $1 in
	haproxy)
		topo_kernel_lb on || return 1
		topo_haproxy
		;;
	*)
		topo_conf "$1" >"$DIR/tlslb.conf"
		if [ "$1" = tls ] && [ "$KEYS" = 1 ]; then
			[ -d "$DIR/pki" ] || topo_pki || return 1
			topo_keys_conf >>"$DIR/tlslb.conf"
		fi
		topo_tlslb "$TLSLB" "$DIR/tlslb.conf" "$DIR/tlslb.log"
		;;
	esac
}

# servers_start MODE TICKETS CACHE: the nginx pair; in mode tls with keys,
# with the ticket keys the agents receive from tlslb (the agents started
# once: they reconnect to each tlslb, which keeps its keys in a state file).
servers_start() {
	local i
	if [ "$1" = tls ] && [ "$KEYS" = 1 ]; then
		if [ -z "${E2E_AGENT1:-}" ]; then
			topo_keyagent "$KEYAGENT" 1
			topo_keyagent "$KEYAGENT" 2
		fi
		for i in 1 2; do
			topo_wait_keys "$i" || return 1
			# shellcheck disable=SC2046
			topo_nginx "$i" "$2" "$3" $(topo_keyfiles "$i") || return 1
		done
	else
		topo_nginx 1 "$2" "$3" || return 1
		topo_nginx 2 "$2" "$3" || return 1
	fi
}

lb_stop() {
	case $1 in
	haproxy)
		topo_haproxy_stop
		topo_kernel_lb off
		;;
	*) topo_tlslb_stop ;;
	esac
}

# lb_counted: "FULL RESUMED MULTISEG S1 S2" as tlslb counted them (its
# counters at exit, in its log): full and resumed handshakes seen in the
# server flights (mode tls), ClientHellos that came in more than one
# segment, connections sent to s1 (backend 0) and s2 (backend 1).
lb_counted() {
	awk '/^backend[0-9]+\.full / { f += $2 }
		/^backend[0-9]+\.resumed_/ { r += $2 }
		/^hello\.segments\./ && $1 != "hello.segments.1" { m += $2 }
		$1 == "backend0.new_flows" { n1 = $2 }
		$1 == "backend1.new_flows" { n2 = $2 }
		END { printf "%d %d %d %d %d\n", f, r, m, n1, n2 }' "$DIR/tlslb.log"
}

# count_conn WHO HOW: one more connection of the pass (first connections and
# probes included) in the all_* totals, to compare with tlslb's counters.
count_conn() {
	case $1 in
	s1) all_n1=$((all_n1 + 1)) ;;
	s2) all_n2=$((all_n2 + 1)) ;;
	*) return 0 ;;
	esac
	all_conns=$((all_conns + 1))
	if [ "$2" = reused ]; then
		all_resumed=$((all_resumed + 1))
	else
		all_full=$((all_full + 1))
	fi
}

asserted() {
	[ "${E2E_ASSERT:-0}" = 1 ] && case " $ASSERT_SCENARIOS " in *" $1 "*) return 0 ;; esac
	return 1
}

# full, resumed: reconnections as the clients saw them (the first connection
# of each client, with nothing to resume, is not counted); lb:*: every
# connection and handshake of the pass as tlslb counted it.
printf '%-18s %-8s %5s %5s %7s %7s %4s %4s %4s %5s %5s %7s %6s\n' scenario mode conns full resumed rate \
	s1 s2 fail lb:s1 lb:s2 lb:full lb:res
failed=0
notes=()
# The large hellos are measured once per scenario, through tlslb if it can.
PROBE_MODE=${MODES%% *}
case " $MODES " in *" tls "* | *" l4 "*) PROBE_MODE=tls ;; esac
for sc in $SCENARIOS; do
	read -r tickets cache ver extra <<<"$(scenario_opts "$sc")" || fail "unknown scenario $sc"
	for mode in $MODES; do
		lb_start "$mode" || fail "$mode start"
		servers_start "$mode" "$tickets" "$cache" || fail "nginx servers ($mode)"
		rm -f "$DIR"/c?.sess
		# every handshake of the pass, first connections and probe included
		all_full=0 all_resumed=0 all_conns=0 all_n1=0 all_n2=0
		if [ "$mode" = "$PROBE_MODE" ] && [ "${sc%-large-hello}" != "$sc" ]; then
			# How big the hello is, and in how many segments it travels
			# (the MSS comes from the SYN-ACK: tlslb's cookie or the kernel's).
			# shellcheck disable=SC2086
			read -r bytes segs who1 how1 who2 how2 <<<"$(topo_hello_probe c1 "$ver" $extra)"
			count_conn "$who1" "$how1"
			count_conn "$who2" "$how2"
			notes+=("$sc: resuming ClientHello of $bytes bytes in $segs TCP segments (probe through $mode)")
			if [ "${E2E_ASSERT:-0}" = 1 ] && ! [ "$segs" -ge 2 ] 2>/dev/null; then
				echo "not ok - $sc: the ClientHello ($bytes bytes) fits in one segment"
				failed=1
			fi
			case "$who1 $who2" in *fail*)
				echo "not ok - $sc $mode: a probe connection failed"
				[ "$mode" != haproxy ] && failed=1 ;;
			esac
		fi
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
				count_conn "$who" "$how"
				# The first connection of each client has nothing to resume.
				[ "$r" = 1 ] && continue
				[ "$how" = reused ] && resumed=$((resumed + 1)) || full=$((full + 1))
			done
		done
		total=$((full + resumed))
		rate=$(awk -v r="$resumed" -v t="$total" 'BEGIN { printf "%.1f", t ? 100 * r / t : 0 }')
		if [ "$mode" = tls ] && [ -x "$TLSLBCTL" ]; then
			"$TLSLBCTL" -s "$DIR/tlslb.sock" show backends >"$DIR/show-backends.txt" 2>&1
			"$TLSLBCTL" -s "$DIR/tlslb.sock" show keys >"$DIR/show-keys.txt" 2>&1
		fi
		lb_stop "$mode" || fail "$mode stop"
		topo_nginx_stop 1 || fail "nginx s1 did not stop"
		topo_nginx_stop 2 || fail "nginx s2 did not stop"
		lb_full=- lb_res=- lb_multi=- lb_n1=- lb_n2=-
		[ "$mode" != haproxy ] && read -r lb_full lb_res lb_multi lb_n1 lb_n2 <<<"$(lb_counted)"
		# without TLS awareness tlslb does not read the handshakes
		[ "$mode" = l4 ] && lb_full=- lb_res=-
		printf '%-18s %-8s %5d %5d %7d %6s%% %4d %4d %4d %5s %5s %7s %6s\n' "$sc" "$mode" \
			$((n1 + n2 + fails)) "$full" "$resumed" "$rate" "$n1" "$n2" "$fails" \
			"$lb_n1" "$lb_n2" "$lb_full" "$lb_res"
		if [ "${E2E_ASSERT:-0}" = 1 ] && [ "$mode" != haproxy ]; then
			[ "$fails" = 0 ] || { echo "not ok - $sc $mode: $fails connections failed"; failed=1; }
			if [ "$mode" = tls ] && asserted "$sc" &&
				awk -v r="$rate" -v m="$MIN_RATE" 'BEGIN { exit !(r < m) }'; then
				echo "not ok - $sc $mode: resumption rate $rate% < $MIN_RATE%"
				failed=1
			fi
			if [ "$lb_n1 $lb_n2" != "$all_n1 $all_n2" ]; then
				echo "not ok - $sc $mode: tlslb sent $lb_n1 connections to s1 and $lb_n2 to s2," \
					"the clients saw $all_n1 and $all_n2"
				failed=1
			fi
			if [ "$mode" = tls ] && [ "$lb_full $lb_res" != "$all_full $all_resumed" ]; then
				echo "not ok - $sc $mode: tlslb counted $lb_full full and $lb_res resumed" \
					"handshakes, the clients $all_full and $all_resumed"
				failed=1
			fi
			if [ "$mode" = tls ] && [ "${sc%-large-hello}" != "$sc" ] && [ "$lb_multi" != "$all_conns" ]; then
				echo "not ok - $sc $mode: tlslb saw $lb_multi of $all_conns ClientHellos in several segments"
				failed=1
			fi
		fi
	done
done
topo_keyagents_stop
case " $MODES " in *" tls "*)
	notes+=("lb:*: as tlslb counted them itself, first connections and probes included") ;;
esac
for n in "${notes[@]}"; do echo "$n"; done
if [ "${E2E_SHOW:-0}" = 1 ] && [ -s "$DIR/show-backends.txt" ]; then
	echo
	echo "tlslbctl show backends (the last mode tls pass: $sc):"
	cat "$DIR/show-backends.txt"
fi
[ "$failed" = 0 ] || fail "see above"
echo PASS

# keep_running SCENARIO: its nginx pair and tlslb in mode tls, left running.
keep_running() {
	local tickets cache ver extra
	read -r tickets cache ver extra <<<"$(scenario_opts "$1")" || return 1
	lb_start tls || return 1
	servers_start tls "$tickets" "$cache" || return 1
	trap - EXIT INT TERM
	touch "$DIR/kept"
	cat <<KEEP

Kept running (scenario $1, tlslb in mode tls, pid $LB_PID):
  ip netns exec $TAG-c1 curl -sk https://$E2E_VIP/
  ip netns exec $TAG-c1 openssl s_client -connect $E2E_VIP:443 $ver -ign_eof
  ip netns exec $TAG-c1 tcpdump -ni eth0 tcp port 443   (servers: $TAG-s1, $TAG-s2)
  $TLSLBCTL -s $DIR/tlslb.sock show backends   (or: help)
  tlslb log (counters on exit): $DIR/tlslb.log
  namespaces: $(printf '%s ' "$TAG"-{c1,c2,s1,s2,lb})
Remove everything: $0 --sweep $TAG
KEEP
}
if [ "${E2E_KEEP:-0}" = 1 ]; then
	keep_running "$sc" || fail "could not leave the topology running"
fi
