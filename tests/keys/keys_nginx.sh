#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The nginx format against Debian's nginx: two instances given the files
# cp_keyfmt_write() made for server A and server B under the per-server policy
# (A encrypts with KA, B with KB, both hold both) resume each other's tickets,
# TLS 1.2 and 1.3, with 80-byte (AES-256) files, then, after a SIGHUP reload,
# with 48-byte (AES-128) files. Tickets must carry the issuer's key name.
#
# usage: keys_nginx.sh KEYFILE_TOOL   (root; exit 77 when nginx is missing and not root)
set -uo pipefail
KT=$1
. "$(dirname "$0")/keys_lib.sh"

if ! command -v nginx >/dev/null; then
	[ "$(id -u)" -eq 0 ] && bail "nginx not installed (tools/check installs it)"
	echo "1..0 # SKIP nginx not installed"
	exit 77
fi
SLOTS=4
test_certs || bail "openssl req failed"

# nginx_conf NAME KEYDIR PORT: a private config; key files by slot, fixed names.
nginx_conf() {
	local name=$1 dir=$2 port=$3 s keys=""
	for ((s = 0; s < SLOTS; s++)); do
		keys+="		ssl_session_ticket_key $dir/ticket.$s.key;"$'\n'
	done
	mkdir -p "$T/nginx-$name"
	cat >"$T/nginx-$name.conf" <<EOF
worker_processes 1;
pid $T/nginx-$name.pid;
error_log $T/nginx-$name.err info;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $T/nginx-$name/body;
	proxy_temp_path $T/nginx-$name/proxy;
	fastcgi_temp_path $T/nginx-$name/fastcgi;
	uwsgi_temp_path $T/nginx-$name/uwsgi;
	scgi_temp_path $T/nginx-$name/scgi;
	server {
		listen 127.0.0.1:$port ssl;
		ssl_certificate $T/cert.pem;
		ssl_certificate_key $T/key.pem;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_session_cache off;
		ssl_session_tickets on;
$keys		location / { return 200 "server $name\n"; }
	}
}
EOF
}

# write_keys ENC_A ENC_B [--aes128]: per-server policy for A and B.
write_keys() {
	"$KT" write nginx "$DA" --slots $SLOTS ${3:-} "$1" "$1" "$2" >/dev/null &&
		"$KT" write nginx "$DB" --slots $SLOTS ${3:-} "$2" "$1" "$2" >/dev/null
}

# cross KA KB VERSION [--aes128]: A's ticket resumes on B and B's on A.
cross() {
	local ka=$1 kb=$2 v=$3 aes=${4:-}

	connect "$PA" "$v" - "$T/a.sess"
	check "$v $ka: A full handshake" eq "$C_SERVER/$C_RESUMED" A/no
	check "$v $ka: A's ticket named by A's key" eq "$C_TICKET" "$(name_of "$ka")"
	check "$v $ka: A sealed it with KA's HMAC and AES bytes" ticket_ok "$T/a.sess" $aes "$ka"
	connect "$PB" "$v" "$T/a.sess" "$T/ab.sess"
	check "$v $ka: A's ticket resumes on B" eq "$C_SERVER/$C_RESUMED" B/yes
	connect "$PB" "$v" - "$T/b.sess"
	check "$v $kb: B's ticket named by B's key" eq "$C_TICKET" "$(name_of "$kb")"
	check "$v $kb: B sealed it with KB's HMAC and AES bytes" ticket_ok "$T/b.sess" $aes "$kb"
	connect "$PA" "$v" "$T/b.sess" "$T/ba.sess"
	check "$v $kb: B's ticket resumes on A" eq "$C_SERVER/$C_RESUMED" A/yes
}

DA=$(keydir keys-a)
DB=$(keydir keys-b)
PA=$(free_port) && PB=$(free_port) || bail "no free port"
[ "$PA" != "$PB" ] || PB=$((PA + 1))
write_keys KA KB || bail "writing nginx key files failed"
check "80-byte files" eq "$(stat -c %s "$DA/ticket.0.key")" 80
check "unused slot filled, 0600" eq "$(stat -c '%s %a' "$DA/ticket.3.key")" "80 600"
check "filler differs per server" test "$(cmp -s "$DA/ticket.3.key" "$DB/ticket.3.key"; echo $?)" = 1
nginx_conf A "$DA" "$PA"
nginx_conf B "$DB" "$PB"
timeout 60 nginx -p "$T" -c "$T/nginx-A.conf" -e "$T/nginx-A.err" -g 'daemon off;' &
PIDS+=($!)
timeout 60 nginx -p "$T" -c "$T/nginx-B.conf" -e "$T/nginx-B.err" -g 'daemon off;' &
PIDS+=($!)
wait_port "$PA" && wait_port "$PB" || { cat "$T"/nginx-*.err; bail "nginx did not start"; }

cross KA KB tls1_2
cross KA KB tls1_3

# A key neither server holds: a ticket from a third set must not resume.
connect "$PA" tls1_3 - "$T/old.sess"
write_keys KA128 KB128 --aes128 || bail "writing 48-byte files failed"
check "48-byte files" eq "$(stat -c %s "$DA/ticket.0.key")" 48
kill -HUP "$(cat "$T/nginx-A.pid")" "$(cat "$T/nginx-B.pid")"
# the reload is done when a new worker answers with the new key
for _ in $(seq 50); do
	connect "$PA" tls1_3 - "$T/probe.sess"
	[ "$C_TICKET" = "$(name_of KA128)" ] && break
	sleep 0.1
done
for _ in $(seq 50); do
	connect "$PB" tls1_3 - "$T/probe.sess"
	[ "$C_TICKET" = "$(name_of KB128)" ] && break
	sleep 0.1
done
cross KA128 KB128 tls1_2 --aes128
cross KA128 KB128 tls1_3 --aes128
connect "$PB" tls1_3 "$T/old.sess" "$T/probe.sess"
check "ticket of a retired key is not resumed" eq "$C_SERVER/$C_RESUMED" B/no
finish
