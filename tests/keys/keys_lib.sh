# SPDX-License-Identifier: BSD-3-Clause
# Shared by the keys_*.sh tests: a temp dir removed on exit, processes killed
# on exit, TAP output, free ports, and an openssl s_client wrapper that tells
# which server answered, whether it resumed and the ticket's key name.
# shellcheck shell=bash

KT=${KT:?keyfile-tool path}
T=$(mktemp -d /tmp/tlslb-keys.XXXXXX) || exit 1
chmod 700 "$T"
PIDS=()
NTEST=0
NFAIL=0

keys_cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	if [ "$NFAIL" -ne 0 ] || [ -n "${KEEP_TMP:-}" ]; then
		echo "# logs kept in $T"
	else
		rm -rf "$T"
	fi
}
trap keys_cleanup EXIT
trap 'exit 1' INT TERM

# check DESCRIPTION COMMAND...: one TAP line.
check() {
	local what=$1
	shift
	NTEST=$((NTEST + 1))
	if "$@"; then
		echo "ok $NTEST - $what"
	else
		echo "not ok $NTEST - $what"
		NFAIL=$((NFAIL + 1))
	fi
}

finish() {
	echo "1..$NTEST"
	[ "$NFAIL" -eq 0 ]
	exit $?
}

# bail REASON: the test cannot go on (a server did not start...).
bail() {
	echo "Bail out! $*"
	NFAIL=$((NFAIL + 1))
	exit 1
}

eq() { [ "$1" = "$2" ] || { echo "#   expected '$2', got '$1'"; return 1; }; }

# A port nobody listens on, from a range other tests do not use.
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 30000))
		if ! ss -Hltn "sport = :$p" | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# wait_port PORT: until something accepts on 127.0.0.1:PORT (5 s).
wait_port() {
	for _ in $(seq 100); do
		if ss -Hltn "sport = :$1" | grep -q .; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# test_certs: a self-signed P-256 certificate in $T/cert.pem, key in $T/key.pem,
# both in $T/crt.pem (HAProxy's format).
test_certs() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$T/key.pem" -out "$T/cert.pem" -days 2 -subj /CN=keys.test \
		>/dev/null 2>&1 || return 1
	cat "$T/cert.pem" "$T/key.pem" >"$T/crt.pem"
}

# keydir NAME: a fresh 0700 directory for one server's key files.
keydir() {
	mkdir -p -m 700 "$T/$1"
	echo "$T/$1"
}

# name_of LABEL: key name (hex) of the test key LABEL.
name_of() {
	"$KT" name "$1" | awk '{print $3}'
}

# connect PORT VERSION SESS_IN|- SESS_OUT: one HTTPS request with s_client.
# Sets C_SERVER (who answered), C_RESUMED (yes/no), C_TICKET (key name of the
# ticket saved in SESS_OUT, "-" when none).
connect() {
	local port=$1 ver=$2 in=$3 out=$4 args=()

	[ "$in" != - ] && args+=(-sess_in "$in")
	rm -f "$out"
	printf 'GET / HTTP/1.0\r\nHost: keys.test\r\n\r\n' |
		timeout 10 openssl s_client -connect "127.0.0.1:$port" "-$ver" \
			-servername keys.test "${args[@]}" -sess_out "$out" -ign_eof \
			>"$T/client.out" 2>&1
	C_SERVER=$(sed -n 's/^server \([A-Za-z0-9_-]*\).*/\1/p' "$T/client.out" | head -1)
	if grep -q '^Reused,' "$T/client.out"; then
		C_RESUMED=yes
	else
		C_RESUMED=no
	fi
	C_TICKET=$(ticket_name "$out")
}

# ticket_ok SESSFILE [--aes128] LABEL: the server sealed the ticket with LABEL's
# HMAC and AES bytes (checked by decrypting it).
ticket_ok() {
	local r
	r=$("$KT" ticket-check "$@")
	[ "$r" = "ticket ok" ] || { echo "#   $r"; return 1; }
}

# ticket_name SESSFILE: the first 16 bytes of the session's ticket, in hex.
ticket_name() {
	local n
	[ -s "$1" ] || { echo -; return; }
	n=$(openssl sess_id -in "$1" -noout -text 2>/dev/null |
		sed -n '/TLS session ticket:/{n;p;q}' | cut -c12-58 | tr -d ' -')
	echo "${n:--}"
}
