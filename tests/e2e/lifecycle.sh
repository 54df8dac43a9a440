#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# What happens to TLS resumption through tlslb (mode tls, ticket keys from
# its key service) while the things around it change: clients C1 and C2
# reconnect to the nginx pair, alternating as in resumption.sh, each
# resuming its last session in several streams at once (TLS 1.3 tickets,
# TLS 1.2 tickets, and around the restart TLS 1.2 session IDs), through
# these phases:
#
#   rotation     `tlslbctl keys rotate` every few rounds, ROTATIONS times:
#                tickets keep resuming; `show keys` shows new current keys
#                and keeps the previous ones.
#   s1-window    health checks on, nginx in s1 stopped: connections until
#                `show backends` says s1 is down (reported, not asserted).
#   s1-down      no connection fails; sessions S1 issued resume on S2
#                through the shared keys (column s1>s2).
#   s1-rejoined  nginx in s1 started again with its key files: s1 is up
#                again and new clients alternate between s1 and s2.
#   restart      tlslb stopped (SIGTERM) and started with the same config:
#                its key state file keeps every key name (asserted), the
#                agents come back, tickets keep resuming, one more rotation
#                goes through. Learned session IDs are lost by design:
#                the session-ID stream's rate and tlslb's session-ID misses
#                after the restart are reported, not asserted.
#
# In each of tlslb's two lives its own count of full and resumed handshakes
# (logged when it stops) must equal the clients'.
#
# Both servers have one certificate, as behind one VIP in production: nginx
# binds sessions to a context hashed from its certificates, and with two
# certificates S2 decrypts S1's tickets and still refuses them.
#
# usage: lifecycle.sh TLSLB [ROUNDS]   (root; exit 77 = skipped)
# E2E_KEYAGENT, E2E_TLSLBCTL: the tools (default: next to TLSLB in the build)
# E2E_MIN_RATE: the least resumption rate of the ticket streams (default 99)
# E2E_BUDGET: seconds for the whole run (default 90)
set -u

TLSLB=${1:?usage: $0 TLSLB [ROUNDS]}
ROUNDS=${2:-${E2E_ROUNDS:-8}}
BUDGET=${E2E_BUDGET:-90}
HERE=$(cd "$(dirname "$0")" && pwd)
MIN_RATE=${E2E_MIN_RATE:-99}
ROTATIONS=4
KEYAGENT=${E2E_KEYAGENT:-$(dirname "$TLSLB")/../tools/keyagent/tlslb-keyagent}
TLSLBCTL=${E2E_TLSLBCTL:-$(dirname "$TLSLB")/../tools/tlslbctl/tlslbctl}

# shellcheck source=topo.sh
. "$HERE/topo.sh"
topo_preflight openssl nginx ethtool timeout ss ip
for exe in "$TLSLB" "$KEYAGENT" "$TLSLBCTL"; do
	[ -x "$exe" ] || { echo "FAIL: $exe is not executable"; exit 1; }
done
topo_bounded e2l "$BUDGET" "$0" "$@"
LB_PID=
S1=$E2E_S1_IP:443
S2=$E2E_S2_IP:443
LB_LOG=$DIR/tlslb.log
LIFE=1

failed=0
check() { # check DESCRIPTION COMMAND...: an asserted check, said either way
	local what=$1
	shift
	if "$@"; then
		echo "ok - $what"
	else
		echo "not ok - $what"
		failed=1
	fi
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# stream -> s_client options (win*: the window's own sessions, same options)
stream_opts() {
	case ${1#win} in
	tls13) echo "-tls1_3" ;;
	tls12t) echo "-tls1_2" ;;
	tls12s) echo "-tls1_2 -no_ticket" ;;
	*) return 1 ;;
	esac
}

# Counts per "PHASE STREAM": conns full resumed s1 s2 fail, and x (sessions
# whose last connection was on s1 offered to a connection that landed on
# s2) and xok (of those, resumed). ISSUER: the server of a stream's last
# connection, which issued the session its client offers next.
declare -A CNT ISSUER
ROWS=()

cnt() { CNT[$1]=$((${CNT[$1]:-0} + 1)); }

# conn PHASE CLIENT STREAM: one connection; sets WHO (s1, s2, fail), HOW.
conn() {
	local phase=$1 c=$2 st=$3 sess=$DIR/$2.$3.sess had=0 prev k
	k="$phase $st"
	case " ${ROWS[*]:-} " in *" $phase/$st "*) ;; *) ROWS+=("$phase/$st") ;; esac
	[ -s "$sess" ] && had=1
	prev=${ISSUER[$c.$st]:-}
	# shellcheck disable=SC2046
	read -r WHO HOW <<<"$(topo_connect "$c" "$sess" $(stream_opts "$st"))"
	cnt "$k conns"
	case $WHO in
	s1 | s2) cnt "$k $WHO" ;;
	*) cnt "$k fail"; return 1 ;;
	esac
	ISSUER[$c.$st]=$WHO
	# every handshake of tlslb's life LIFE, first connections included
	if [ "$HOW" = reused ]; then cnt "life$LIFE resumed"; else cnt "life$LIFE full"; fi
	# the first connection of a stream has nothing to resume
	[ "$had" = 1 ] || return 0
	if [ "$HOW" = reused ]; then cnt "$k resumed"; else cnt "$k full"; fi
	if [ "$prev" = s1 ] && [ "$WHO" = s2 ]; then
		cnt "$k x"
		[ "$HOW" = reused ] && cnt "$k xok"
	fi
	return 0
}

# round PHASE N STREAMS...: c1 then c2, or c2 then c1 in even rounds (under
# round-robin each client lands on the other server each time); C2 runs its
# streams in the reverse order, so that the first round-robin sends one
# stream of each kind to each server.
round() {
	local phase=$1 r=$2 c st order="c1 c2" list
	shift 2
	[ $((r % 2)) = 0 ] && order="c2 c1"
	for c in $order; do
		list=("$@")
		[ "$c" = c2 ] && mapfile -t list < <(printf '%s\n' "$@" | tac)
		for st in "${list[@]}"; do
			conn "$phase" "$c" "$st"
		done
	done
}

get() { echo "${CNT[$1]:-0}"; }

rate() { # rate PHASE STREAM: resumed / (full + resumed), in %
	awk -v r="$(get "$1 $2 resumed")" -v f="$(get "$1 $2 full")" \
		'BEGIN { printf "%.1f", r + f ? 100 * r / (r + f) : 0 }'
}

rate_ok() { # rate_ok PHASE STREAM: at least MIN_RATE, out of at least one
	[ $(($(get "$1 $2 resumed") + $(get "$1 $2 full"))) -gt 0 ] &&
		awk -v r="$(rate "$1" "$2")" -v m="$MIN_RATE" 'BEGIN { exit !(r >= m) }'
}

is_zero() { [ "$1" = 0 ]; }
is_pos() { [ "$1" -gt 0 ]; }
same() { [ "$1" = "$2" ]; }

# prev_keys: how many keys `show keys` lists as previous.
prev_keys() { topo_key_table | awk '$3 == "previous" { n++ } END { print n + 0 }'; }

# current_names: the names of the current keys, "OWNER=NAME" sorted.
current_names() { topo_key_table | awk '$3 == "current" { print $2 "=" $1 }' | sort | tr '\n' ' '; }

# wait_prev_keys N TENTHS: until `show keys` lists N previous keys or more.
wait_prev_keys() {
	for _ in $(seq "$2"); do
		[ "$(prev_keys)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# lb_counted LOG: "FULL RESUMED", the handshakes tlslb saw in the server
# flights, from the counters it logs when it stops.
lb_counted() {
	awk '/^backend[0-9]+\.full / { f += $2 } /^backend[0-9]+\.resumed_/ { r += $2 }
		END { printf "%d %d\n", f, r }' "$1"
}

# check_counted LOG LIFE: tlslb's full and resumed handshakes are the clients'.
check_counted() {
	local lb clients
	lb=$(lb_counted "$1")
	clients="$(get "life$2 full") $(get "life$2 resumed")"
	check "tlslb run $2 counted the clients' full and resumed handshakes ($clients; tlslb $lb)" \
		same "$lb" "$clients"
}

# unconfirmed_next: next keys not yet held by both agents. A rotation's push
# carries the new current keys and new next keys: once both agents confirm
# the new next keys, both nginx were reloaded with the new current ones.
unconfirmed_next() {
	topo_ctl show keys 2>/dev/null | awk '/^keys$/ { k = 1; next } /^agents$/ { k = 0 }
		k && $4 == "next" && $NF != "s1,s2" { n++ } END { print n + 0 }'
}

# tickets_renewed PHASE: once the agents reloaded nginx, one more round;
# then the TLS 1.3 ticket each client holds must carry the current key name
# of the server that issued it: the rotated keys reached nginx. (Not the
# TLS 1.2 ones: nginx renews a ticket under an older key, but s_client
# saves no session of a resumed TLS 1.2 handshake, as OpenSSL calls the
# new-session callback only for full ones there: the client keeps offering
# its older ticket, which resumes as long as its key is kept.)
tickets_renewed() {
	local phase=$1 c st=tls13 ok=0 n=0 name want keys be
	for _ in $(seq 100); do
		[ "$(unconfirmed_next)" = 0 ] && break
		sleep 0.1
	done
	sleep 0.5 # nginx's new workers take over after the HUP
	# shellcheck disable=SC2086
	round "$phase" 1 $TICKETS
	keys=$(topo_key_table)
	for c in c1 c2; do
		n=$((n + 1))
		name=$(topo_ticket_keyname "$DIR/$c.$st.sess")
		case ${ISSUER[$c.$st]:-} in s1) be=$S1 ;; s2) be=$S2 ;; *) continue ;; esac
		want=$(awk -v be="$be" '$2 == be && $3 == "current" { print $1 }' <<<"$keys")
		[ -n "$name" ] && [ "$name" = "$want" ] && ok=$((ok + 1))
	done
	check "$phase: the clients' TLS 1.3 tickets carry the issuers' current key names ($ok of $n)" \
		same "$ok" "$n"
}

lb_start() { # lb_start LOG
	topo_conf tls >"$DIR/tlslb.conf"
	topo_keys_conf per-server >>"$DIR/tlslb.conf"
	topo_tlslb "$TLSLB" "$DIR/tlslb.conf" "$1"
}

# --- set-up: topology, tlslb, key agents, the nginx pair with tickets and a
# session cache (the TLS 1.3, TLS 1.2 ticket and session-ID streams at once)
topo_up || fail "topology"
topo_pki || fail "pki"
topo_shared_cert || fail "certificate"
lb_start "$LB_LOG" || fail "tlslb start"
topo_keyagent "$KEYAGENT" 1
topo_keyagent "$KEYAGENT" 2
for i in 1 2; do
	topo_wait_keys "$i" || fail "key agent s$i"
	# shellcheck disable=SC2046
	topo_nginx "$i" on on $(topo_keyfiles "$i") || fail "nginx s$i"
done
TICKETS="tls13 tls12t"
notes=()

# --- rotation: a `keys rotate` after round 2, then each time the last one
# went through and 3 rounds passed, ROTATIONS times; tickets keep resuming
# while the agents rewrite nginx's key files and reload it.
names0=$(current_names)
prev0=$(prev_keys)
want=$prev0 asked=0 done_rot=0 next_at=2
# at least ROUNDS + 6 rounds; more (bounded) while rotations are pending
r=0
while [ "$r" -lt $((ROUNDS + 6)) ] || { [ "$done_rot" -lt "$ROTATIONS" ] && [ "$r" -lt $((3 * ROUNDS + 12)) ]; }; do
	r=$((r + 1))
	# shellcheck disable=SC2086
	round rotation "$r" $TICKETS
	if [ "$asked" -gt "$done_rot" ] && [ "$(prev_keys)" -ge "$want" ]; then
		done_rot=$asked
	fi
	if [ "$asked" = "$done_rot" ] && [ "$asked" -lt "$ROTATIONS" ] && [ "$r" -ge "$next_at" ]; then
		topo_ctl keys rotate >/dev/null || fail "keys rotate"
		asked=$((asked + 1)) want=$((prev0 + 2 * asked)) next_at=$((r + 3))
	fi
done
if [ "$asked" -gt "$done_rot" ] && wait_prev_keys "$want" 100; then
	done_rot=$asked
fi
tickets_renewed rotation
keys1=$(topo_key_table)
names1=$(current_names)
check "rotation: $ROTATIONS rotations went through ($done_rot)" same "$done_rot" "$ROTATIONS"
check "rotation: every current key name changed ($names0-> $names1)" \
	test -z "$(comm -12 <(tr ' ' '\n' <<<"$names0" | grep .) <(tr ' ' '\n' <<<"$names1" | grep .))"
kept=0
for nm in $names0; do
	grep -q "^${nm#*=} ${nm%%=*} previous$" <<<"$keys1" && kept=$((kept + 1))
done
check "rotation: the first current keys are kept as previous ($kept of 2)" same "$kept" 2
check "rotation: $((2 * ROTATIONS)) previous keys kept ($(prev_keys))" \
	same "$(prev_keys)" $((prev0 + 2 * ROTATIONS))
for st in $TICKETS; do
	check "rotation $st: resumption rate $(rate rotation "$st")% >= $MIN_RATE%" rate_ok rotation "$st"
	check "rotation $st: no connection failed" is_zero "$(get "rotation $st fail")"
done

# --- S1 stopped with health checks on
topo_ctl service health "$E2E_VIP:443" on interval 300 timeout 300 rise 2 fall 2 >/dev/null ||
	fail "service health on"
if ! topo_wait_health "$S1" up 50 || ! topo_wait_health "$S2" up 50; then
	fail "health checks never said up"
fi
topo_nginx_stop 1 || fail "nginx s1 did not stop"
t0=$(now_ms)
# The window until tlslb notices: its own sessions (win*), so that the
# streams' sessions from s1 are still there to offer once s1 is down.
i=0 detected=0
while [ $(($(now_ms) - t0)) -lt 10000 ]; do
	if [ "$(topo_backend_health "$S1")" = down ]; then
		detected=1
		break
	fi
	# shellcheck disable=SC2086
	c=c$((i % 2 + 1)) st=win$(printf '%s\n' $TICKETS | sed -n "$((i / 2 % 2 + 1))p")
	conn s1-window "$c" "$st"
	i=$((i + 1))
done
t_detect=$(($(now_ms) - t0))
check "s1 stopped: health checks said down (after $t_detect ms)" is_pos "$detected"
[ "$detected" = 1 ] || fail "s1 never went down"
win_conns=0 win_fail=0
for st in $TICKETS; do
	win_conns=$((win_conns + $(get "s1-window win$st conns")))
	win_fail=$((win_fail + $(get "s1-window win$st fail")))
done
notes+=("s1-window: $win_conns connections between the kill and the detection ($t_detect ms), $win_fail failed (not asserted)")
for r in $(seq "$ROUNDS"); do
	# shellcheck disable=SC2086
	round s1-down "$r" $TICKETS
done
x=0 xok=0
for st in $TICKETS; do
	check "s1-down $st: no connection failed" is_zero "$(get "s1-down $st fail")"
	check "s1-down $st: none went to s1" is_zero "$(get "s1-down $st s1")"
	check "s1-down $st: resumption rate $(rate s1-down "$st")% >= $MIN_RATE%" rate_ok s1-down "$st"
	x=$((x + $(get "s1-down $st x"))) xok=$((xok + $(get "s1-down $st xok")))
done
check "s1-down: sessions S1 issued offered to S2 ($x)" is_pos "$x"
check "s1-down: all of them resumed on S2 ($xok of $x)" same "$xok" "$x"

# --- S1 back with its key files: up again; new sessions alternate
# shellcheck disable=SC2046
topo_nginx 1 on on $(topo_keyfiles 1) || fail "nginx s1 restart"
t0=$(now_ms)
topo_wait_health "$S1" up 100
up=$?
t_up=$(($(now_ms) - t0))
check "s1 restarted: health checks said up again (after $t_up ms)" same "$up" 0
# new sessions from here: the first round goes round-robin, then each
# stream sticks to its issuer
rm -f "$DIR"/c?.*.sess
ISSUER=()
STREAMS="$TICKETS tls12s"
for r in $(seq "$ROUNDS"); do
	# shellcheck disable=SC2086
	round s1-rejoined "$r" $STREAMS
done
n1=0 n2=0
for st in $STREAMS; do
	n1=$((n1 + $(get "s1-rejoined $st s1"))) n2=$((n2 + $(get "s1-rejoined $st s2")))
	check "s1-rejoined $st: no connection failed" is_zero "$(get "s1-rejoined $st fail")"
done
for st in $TICKETS; do
	check "s1-rejoined $st: resumption rate $(rate s1-rejoined "$st")% >= $MIN_RATE%" \
		rate_ok s1-rejoined "$st"
done
check "s1-rejoined: connections on both servers again (s1 $n1, s2 $n2)" test "$n1" -gt 0 -a "$n2" -gt 0

# --- tlslb restarted with the same config
keys_before=$(topo_key_table)
kill -TERM "$LB_PID"
t0=$(now_ms)
stopped=1
for _ in $(seq 50); do
	kill -0 "$LB_PID" 2>/dev/null || { stopped=0; break; }
	sleep 0.1
done
check "restart: tlslb exits on SIGTERM (in $(($(now_ms) - t0)) ms)" same "$stopped" 0
topo_tlslb_stop
check_counted "$LB_LOG" 1
LB_LOG=$DIR/tlslb-2.log
LIFE=2
t0=$(now_ms)
lb_start "$LB_LOG" || fail "tlslb restart"
t_restart=$(now_ms)
notes+=("restart: tlslb running again $((t_restart - t0)) ms after the start")
keys_after=$(topo_key_table)
check "restart: every ticket key kept, names and states ($(wc -l <<<"$keys_after") keys)" \
	same "$keys_after" "$keys_before"
for r in $(seq "$ROUNDS"); do
	# shellcheck disable=SC2086
	round restart "$r" $STREAMS
	if [ "$r" = $((ROUNDS / 2)) ]; then
		for _ in $(seq 100); do
			[ "$(topo_agents_reachable)" = 2 ] && break
			sleep 0.1
		done
		check "restart: both key agents reconnected ($(($(now_ms) - t_restart)) ms after the restart)" \
			same "$(topo_agents_reachable)" 2
		# one more rotation: the restarted key service works with them
		want=$(($(prev_keys) + 2))
		topo_ctl keys rotate >/dev/null || fail "keys rotate after restart"
	fi
done
check "restart: a rotation after the restart went through" wait_prev_keys "$want" 100
tickets_renewed restart
for st in $TICKETS; do
	check "restart $st: no connection failed" is_zero "$(get "restart $st fail")"
	check "restart $st: resumption rate $(rate restart "$st")% >= $MIN_RATE%" rate_ok restart "$st"
done
check "restart tls12s: no connection failed" is_zero "$(get "restart tls12s fail")"
# Learned session IDs do not survive a restart: reported, not asserted.
sid=$(topo_ctl show metrics 2>/dev/null | awk '
	/^tlslb_route_rule_used_total\{rule="session_id"\}/ { u = $2 }
	/^tlslb_route_rule_hits_total\{rule="session_id"\}/ { h = $2 }
	/^tlslb_route_rule_misses_total\{rule="session_id",reason="unknown"\}/ { m = $2 }
	END { printf "%d %d %d", u, h, m }')
read -r sid_used sid_hit sid_unknown <<<"$sid"
notes+=("restart tls12s: session IDs offered to the restarted tlslb: $sid_used, found $sid_hit, unknown $sid_unknown (its learned table starts empty; reported)")

topo_tlslb_stop
check_counted "$LB_LOG" 2

# --- the table
echo
printf '%-13s %-9s %5s %5s %7s %7s %4s %4s %4s %7s\n' phase stream conns full resumed rate \
	s1 s2 fail 's1>s2'
for row in "${ROWS[@]}"; do
	p=${row%/*} st=${row#*/}
	r=-
	[ $(($(get "$p $st full") + $(get "$p $st resumed"))) -gt 0 ] && r="$(rate "$p" "$st")%"
	printf '%-13s %-9s %5d %5d %7d %7s %4d %4d %4d %7s\n' "$p" "$st" \
		"$(get "$p $st conns")" "$(get "$p $st full")" "$(get "$p $st resumed")" \
		"$r" "$(get "$p $st s1")" "$(get "$p $st s2")" "$(get "$p $st fail")" \
		"$(get "$p $st xok")/$(get "$p $st x")"
done
for n in "${notes[@]}"; do echo "$n"; done
echo "rate: resumed / connections that offered a session; s1>s2: sessions S1 issued, resumed on S2 / offered to S2"
topo_keyagents_stop
# tlslb's first life ended with SIGTERM: its counters are in its log.
rst=$(awk '$1 == "tls.backend_rst" { print $2 }' "$DIR/tlslb.log")
echo "tlslb (first run) counted ${rst:-0} backend RSTs to its SYNs (s1 stopped, not yet marked down)"
[ "$failed" = 0 ] || fail "see above"
echo PASS
