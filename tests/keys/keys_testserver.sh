#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The openssl format against tlslb-testserver: two instances under the
# per-server policy resume each other's tickets (TLS 1.2 and 1.3); then hot
# reload while running: rotate A's file, old tickets still resume (and are
# renewed under the new key), new tickets carry the new key name, a key
# dropped from the file stops resuming, a malformed file keeps the old keys,
# SIGHUP re-reads. Server-ID session IDs (TLS 1.2 IDs and TLS 1.3 stateful
# tickets), --max-conns and a clean SIGTERM exit.
#
# usage: keys_testserver.sh KEYFILE_TOOL TESTSERVER
set -uo pipefail
KT=$1
TS=$2
. "$(dirname "$0")/keys_lib.sh"

# ts_start NAME LOG ARGS...: start on a free port (port 0), set PORT_<NAME>.
ts_start() {
	local name=$1 log=$2 port=""
	shift 2
	timeout 60 "$TS" --listen 127.0.0.1:0 --name "$name" "$@" >"$log" 2>&1 &
	PIDS+=($!)
	eval "PID_$name=$!"
	for _ in $(seq 100); do
		port=$(sed -n 's/^listening .*:\([0-9]*\)$/\1/p' "$log" 2>/dev/null)
		[ -n "$port" ] && break
		sleep 0.05
	done
	[ -n "$port" ] || { cat "$log"; bail "testserver $name did not start"; }
	eval "PORT_$name=$port"
}

# last_log LOG: the last handshake line.
last_log() {
	grep '^handshake' "$1" | tail -1
}

DA=$(keydir keys-a)
DB=$(keydir keys-b)
"$KT" write openssl "$DA" A1 A1 B1 >/dev/null || bail "writing A's file failed"
"$KT" write openssl "$DB" B1 A1 B1 >/dev/null || bail "writing B's file failed"
check "openssl-format file is 0600" eq "$(stat -c %a "$DA/tickets.keys")" 600
ts_start A "$T/a.log" --ticket-keys "$DA/tickets.keys"
ts_start B "$T/b.log" --ticket-keys "$DB/tickets.keys"

for v in tls1_2 tls1_3; do
	connect "$PORT_A" $v - "$T/a.sess"
	check "$v: A issues an A1 ticket" eq "$C_SERVER/$C_RESUMED/$C_TICKET" "A/no/$(name_of A1)"
	check "$v: sealed with A1's HMAC and AES bytes" ticket_ok "$T/a.sess" A1
	connect "$PORT_B" $v "$T/a.sess" "$T/x.sess"
	check "$v: A's ticket resumes on B" eq "$C_SERVER/$C_RESUMED" B/yes
	check "$v: B logs the A1 ticket it decrypted" \
		eq "$(last_log "$T/b.log" | grep -o 'ticket_in=[0-9a-f-]*')" "ticket_in=$(name_of A1)"
	connect "$PORT_B" $v - "$T/b.sess"
	check "$v: B issues a B1 ticket" eq "$C_TICKET" "$(name_of B1)"
	connect "$PORT_A" $v "$T/b.sess" "$T/x.sess"
	check "$v: B's ticket resumes on A" eq "$C_SERVER/$C_RESUMED" A/yes
done

check "curl tells which server answered" \
	eq "$(timeout 10 curl -sk "https://127.0.0.1:$PORT_B/")" "server B"

# hot reload: A rotates to A2 (A1 kept for decryption), no restart
connect "$PORT_A" tls1_3 - "$T/old.sess"
"$KT" write openssl "$DA" A2 A1 A2 B1 >/dev/null || bail "rotating A failed"
connect "$PORT_A" tls1_3 - "$T/new.sess"
check "after rotation A's new tickets carry A2" eq "$C_TICKET" "$(name_of A2)"
check "and are sealed with A2's bytes" ticket_ok "$T/new.sess" A2
check "A logged the reload" grep -q 'loaded 3 keys (load 2)' "$T/a.log"
connect "$PORT_A" tls1_3 "$T/old.sess" "$T/x.sess"
check "an A1 ticket still resumes on A" eq "$C_SERVER/$C_RESUMED" A/yes
check "and is renewed under A2" eq "$C_TICKET" "$(name_of A2)"
connect "$PORT_B" tls1_3 "$T/new.sess" "$T/x.sess"
check "B, not given A2 yet, cannot resume an A2 ticket" eq "$C_SERVER/$C_RESUMED" B/no
"$KT" write openssl "$DB" B1 A1 A2 B1 >/dev/null || bail "updating B failed"
connect "$PORT_B" tls1_3 "$T/new.sess" "$T/x.sess"
check "B given A2 resumes it" eq "$C_SERVER/$C_RESUMED" B/yes

# a malformed file keeps the keys held
printf 'tlslb-ticket-keys 1\nencrypt 0\nkey zz\n' >"$DA/tickets.keys.bad"
mv "$DA/tickets.keys.bad" "$DA/tickets.keys"
connect "$PORT_A" tls1_3 "$T/old.sess" "$T/x.sess"
check "malformed file: A keeps its keys (A1 resumes)" eq "$C_SERVER/$C_RESUMED" A/yes
check "malformed file: A says so" grep -q 'malformed key line: keeping the 3 keys held' "$T/a.log"

# A1 retired: its tickets stop resuming
"$KT" write openssl "$DA" A2 A2 B1 >/dev/null || bail "retiring A1 failed"
connect "$PORT_A" tls1_3 "$T/old.sess" "$T/x.sess"
check "retired A1: its ticket no longer resumes" eq "$C_SERVER/$C_RESUMED" A/no
check "retired A1: logged as an unknown ticket" \
	eq "$(last_log "$T/a.log" | grep -o 'ticket_in=[a-z0-9-]*')" "ticket_in=unknown"

# SIGHUP re-reads even an unchanged file
loads=$(grep -c '^ticket-keys: loaded' "$T/a.log")
kill -HUP "$PID_A"
for _ in $(seq 50); do
	[ "$(grep -c '^ticket-keys: loaded' "$T/a.log")" -gt "$loads" ] && break
	sleep 0.05
done
check "SIGHUP reloads" test "$(grep -c '^ticket-keys: loaded' "$T/a.log")" -gt "$loads"

# server ID: TLS 1.2 session IDs and TLS 1.3 stateful tickets start with it
ts_start C "$T/c.log" --no-tickets --server-id 0a0b0c0d --max-conns 4
connect "$PORT_C" tls1_2 - "$T/c.sess"
check "TLS 1.2 session ID prefixed by the server ID" \
	grep -q 'Session-ID: 0A0B0C0D' "$T/client.out"
connect "$PORT_C" tls1_2 "$T/c.sess" "$T/x.sess"
check "TLS 1.2 session-ID resumption" eq "$C_SERVER/$C_RESUMED" C/yes
connect "$PORT_C" tls1_3 - "$T/c.sess"
check "TLS 1.3 stateful ticket prefixed by the server ID" eq "${C_TICKET:0:8}" 0a0b0c0d
connect "$PORT_C" tls1_3 "$T/c.sess" "$T/x.sess"
check "TLS 1.3 stateful resumption" eq "$C_SERVER/$C_RESUMED" C/yes
for _ in $(seq 100); do
	kill -0 "$PID_C" 2>/dev/null || break
	sleep 0.05
done
wait "$PID_C"
check "--max-conns 4: exits 0 after 4 connections" eq "$?/$(tail -1 "$T/c.log")" "0/exiting after 4 connections"

# TLS 1.2 only server refuses 1.3-only clients; session cache off = no ID resumption
ts_start D "$T/d.log" --max-tls 1.2 --no-tickets --no-cache
connect "$PORT_D" tls1_3 - "$T/d.sess"
check "--max-tls 1.2 refuses a TLS 1.3-only client" eq "$C_SERVER" ""
connect "$PORT_D" tls1_2 - "$T/d.sess"
check "--no-tickets --no-cache: answered, no session ID, no ticket" \
	eq "$C_SERVER/$(grep -c -E '^ +Session-ID: [0-9A-F]+$|TLS session ticket:' "$T/client.out")" D/0

# no HMAC or AES key bytes (hex) in any server log
no_key_material() {
	local pats=$T/keyhex
	"$KT" write openssl "$T" A1 A1 A2 B1 >/dev/null || return 1
	awk '/^key/ {print $4; print $5}' "$T/tickets.keys" >"$pats"
	[ "$(wc -l <"$pats")" -eq 6 ] || return 1
	! grep -q -i -F -f "$pats" "$T"/*.log
}
check "key material never logged" no_key_material

kill -TERM "$PID_A"
wait "$PID_A"
check "SIGTERM: clean exit 0" eq "$?" 0
# (with a sanitizer build the servers' reports land in their logs)
check "no sanitizer report from the servers" bash -c "! grep -q -E 'Sanitizer|runtime error' '$T'/*.log"
finish
