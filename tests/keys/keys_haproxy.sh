#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The haproxy format against Debian's HAProxy, fleet-shared policy: two
# instances terminating TLS with the same 3-line tls-ticket-keys file
# (previous P, current C, next N) resume each other's tickets, which are
# named by and sealed with C (the penultimate line encrypts). Then:
#  - rotation skew: B one epoch ahead (C, N, N2) still resumes A's tickets
#    (line 1) and A resumes B's (line 3);
#  - the runtime API: "set ssl tls-key" pushes N2 into A live, after which A
#    encrypts with N and still resumes a C ticket;
#  - AES-128 (48-byte lines).
#
# usage: keys_haproxy.sh KEYFILE_TOOL
set -uo pipefail
KT=$1
. "$(dirname "$0")/keys_lib.sh"

if ! command -v haproxy >/dev/null; then
	[ "$(id -u)" -eq 0 ] && bail "haproxy not installed (tools/check installs it)"
	echo "1..0 # SKIP haproxy not installed"
	exit 77
fi
test_certs || bail "openssl req failed"

declare -A HPID

# ha_start NAME KEYDIR PORT: a private config, foreground (-db).
ha_start() {
	local name=$1 dir=$2 port=$3
	cat >"$T/ha-$name.cfg" <<EOF
global
	stats socket $T/ha-$name.sock mode 600 level admin
defaults
	mode http
	timeout connect 2s
	timeout client 5s
	timeout server 5s
frontend fe
	bind 127.0.0.1:$port ssl crt $T/crt.pem tls-ticket-keys $dir/tls-ticket-keys
	http-request return status 200 content-type text/plain string "server $name\n"
EOF
	timeout 60 haproxy -f "$T/ha-$name.cfg" -db >"$T/ha-$name.log" 2>&1 &
	HPID[$name]=$!
	PIDS+=($!)
	wait_port "$port" || { cat "$T/ha-$name.log"; bail "haproxy $name did not start"; }
}

ha_stop() {
	kill "${HPID[$1]}" 2>/dev/null
	wait "${HPID[$1]}" 2>/dev/null
}

# resume FROM_PORT TO_PORT TO_NAME VERSION KEY [--aes128]: a ticket from one
# instance, named by and sealed with KEY, resumes on the other.
resume() {
	local from=$1 to=$2 toname=$3 v=$4 key=$5 aes=${6:-}

	connect "$from" "$v" - "$T/x.sess"
	check "$v: ticket named by $key" eq "$C_TICKET" "$(name_of "$key")"
	check "$v: ticket sealed with $key's HMAC and AES bytes" ticket_ok "$T/x.sess" $aes "$key"
	connect "$to" "$v" "$T/x.sess" "$T/y.sess"
	check "$v: it resumes on $toname" eq "$C_SERVER/$C_RESUMED" "$toname/yes"
}

DA=$(keydir keys-a)
DB=$(keydir keys-b)
PA=$(free_port) && PB=$(free_port) || bail "no free port"
[ "$PA" != "$PB" ] || PB=$((PA + 1))

"$KT" write haproxy "$DA" C P C N >/dev/null || bail "writing the haproxy file failed"
"$KT" write haproxy "$DB" C P C N >/dev/null || bail "writing the haproxy file failed"
check "3 lines of 108 base64 chars, 0600" \
	eq "$(awk '{print length($0)}' "$DA/tls-ticket-keys" | tr '\n' ' ')$(stat -c %a "$DA/tls-ticket-keys")" \
	"108 108 108 600"
ha_start A "$DA" "$PA"
ha_start B "$DB" "$PB"
for v in tls1_2 tls1_3; do
	resume "$PA" "$PB" B $v C
	resume "$PB" "$PA" A $v C
done

# rotation skew: B moved on to (C, N, N2) and encrypts with N
connect "$PA" tls1_3 - "$T/c.sess"
ha_stop B
"$KT" write haproxy "$DB" N C N N2 >/dev/null || bail "rotating B's file failed"
ha_start B "$DB" "$PB"
connect "$PB" tls1_3 "$T/c.sess" "$T/y.sess"
check "skew: A's C ticket resumes on B (B's line 1)" eq "$C_SERVER/$C_RESUMED" B/yes
resume "$PB" "$PA" A tls1_3 N
resume "$PB" "$PA" A tls1_2 N

# runtime API: push N2 into A; A then encrypts with N, still decrypts C
reply=$("$KT" haproxy-push "$T/ha-A.sock" "$DA/tls-ticket-keys" N2)
check "set ssl tls-key accepted" eq "$(echo "$reply" | head -1)" "TLS ticket key updated!"
connect "$PA" tls1_3 - "$T/x.sess"
check "after the push A encrypts with N (the previous newest)" eq "$C_TICKET" "$(name_of N)"
connect "$PA" tls1_3 "$T/c.sess" "$T/y.sess"
check "after the push A still resumes a C ticket" eq "$C_SERVER/$C_RESUMED" A/yes
resume "$PB" "$PA" A tls1_3 N

# AES-128: 48-byte lines
ha_stop A
ha_stop B
"$KT" write haproxy "$DA" --aes128 C128 P128 C128 N128 >/dev/null || bail "AES-128 file failed"
"$KT" write haproxy "$DB" --aes128 C128 P128 C128 N128 >/dev/null || bail "AES-128 file failed"
check "AES-128: 64 base64 chars a line" \
	eq "$(awk '{print length($0)}' "$DA/tls-ticket-keys" | tr '\n' ' ')" "64 64 64 "
ha_start A "$DA" "$PA"
ha_start B "$DB" "$PB"
resume "$PA" "$PB" B tls1_2 C128 --aes128
resume "$PB" "$PA" A tls1_3 C128 --aes128
finish
