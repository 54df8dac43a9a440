# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# The end-to-end topology, sourced by the e2e tests (and so the demo) and by
# the netns tests (tests/process/netns_topo.sh):
#
#   c1 --+                                      +-- s1
#        +-- br (lb) hc | tlslb | hs (lb) br --+
#   c2 --+                                      +-- s2
#
# Five namespaces named $TAG-{c1,c2,s1,s2,lb}; tlslb runs in $TAG-lb on
# net_af_packet over hc (clients) and hs (servers), ends that carry no
# address, so the kernel of lb never sees a packet. Two-arm NAT: the servers
# route the clients' replies back through tlslb. Addresses are private test
# addresses that exist only inside the namespaces.
#
# A test calls topo_bounded first: it runs the test again as a bounded
# inner run, which gets TAG, DIR (a private directory) and topo_cleanup as
# its EXIT trap, then calls topo_up; topo_sweep TAG removes everything a run
# left, even after SIGKILL.

E2E_VIP=10.99.1.100
E2E_C1_IP=10.99.1.2
E2E_C2_IP=10.99.1.3
E2E_LB_CL_IP=10.99.1.1
E2E_LB_SV_IP=10.99.2.1
E2E_S1_IP=10.99.2.11
E2E_S2_IP=10.99.2.12
E2E_MGMT_LB_IP=10.99.3.1   # the key service, through lb's kernel
E2E_MGMT_S1_IP=10.99.3.11
E2E_MGMT_S2_IP=10.99.3.12

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# The tests' verdicts. fail prints the last TOPO_LOG_TAIL lines (tail -n) of
# the daemons' logs in $DIR.
skip() { echo "SKIP: $*"; exit 77; }

fail() {
	local f
	echo "FAIL: $*"
	for f in "$DIR"/tlslb*.log "$DIR/haproxy/haproxy.log"; do
		[ -f "$f" ] && { echo "--- $f"; tail -n "${TOPO_LOG_TAIL:-40}" "$f"; }
	done
	exit 1
}

# topo_preflight TOOL...: skipped unless root and every TOOL is installed.
topo_preflight() {
	local tool
	[ "$(id -u)" = 0 ] || skip "needs root"
	ip netns list >/dev/null 2>&1 || skip "ip netns unavailable"
	for tool in "$@"; do
		command -v "$tool" >/dev/null || skip "$tool not installed"
	done
}

# topo_sweep TAG: kill everything in TAG's namespaces and delete them. A
# namespace is emptied in rounds: an nginx master killed after one of its
# workers may fork a new worker first, which the first listing did not name.
topo_sweep() {
	local tag=$1 ns pid pids round
	for ns in "$tag-c1" "$tag-c2" "$tag-s1" "$tag-s2" "$tag-lb"; do
		for round in 1 2 3 4 5 6 7 8 9 10; do
			pids=$(ip netns pids "$ns" 2>/dev/null)
			[ -n "$pids" ] || break
			for pid in $pids; do
				kill -KILL "$pid" 2>/dev/null
			done
			sleep 0.1
		done
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "/var/run/dpdk/e2e_$tag" 2>/dev/null
	return 0
}

# topo_leftovers TAG DIR: what a run left behind after topo_sweep, one line
# each: namespaces of TAG, processes whose command line names DIR (HAProxy
# and tlslb are started with their files there) or that hold a file there
# (an nginx worker's command line names nothing, its logs are in DIR).
# Nothing: exit 1.
topo_leftovers() {
	local tag=$1 dir=$2 found=1 pid fd
	for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		case $ns in "$tag"-*) echo "namespace $ns"; found=0 ;; esac
	done
	for pid in $( (pgrep -f -- "$dir/"
		for fd in /proc/[0-9]*/fd/*; do
			case $(readlink "$fd" 2>/dev/null) in "$dir"/*)
				fd=${fd#/proc/}; echo "${fd%%/*}" ;;
			esac
		done) 2>/dev/null | sort -un); do
		[ "$pid" = "$$" ] && continue
		echo "process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
		found=0
	done
	return $found
}

# topo_bounded PREFIX BUDGET SCRIPT [ARGS...]: in the outer run (TOPO_TAG
# unset), run SCRIPT ARGS again as the inner run, with TOPO_TAG=PREFIX<pid>
# and at most BUDGET seconds; then sweep whatever it left (even after
# SIGKILL at the deadline), fail if anything outlived the sweep, and exit
# with its status. An inner run that passed and left $DIR/kept asked for its
# topology to stay. In the inner run: set TAG and DIR (created, private) and
# the traps (topo_cleanup on EXIT), and return.
topo_bounded() {
	local prefix=$1 budget=$2 child rc left
	shift 2
	if [ -n "${TOPO_TAG:-}" ]; then
		TAG=$TOPO_TAG
		DIR=/tmp/tlslb-$TAG
		mkdir -m 700 "$DIR" || exit 1
		trap topo_cleanup EXIT
		trap 'echo "FAIL: interrupted or out of time"; exit 1' INT TERM
		return 0
	fi
	export TOPO_TAG=$prefix$$
	timeout --kill-after=5 "$budget" "$@" &
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
	[ "$rc" = 0 ] && [ -f "/tmp/tlslb-$TOPO_TAG/kept" ] && exit 0
	topo_sweep "$TOPO_TAG"
	# Nothing may outlive the run: say so loudly if anything does.
	if left=$(topo_leftovers "$TOPO_TAG" "/tmp/tlslb-$TOPO_TAG"); then
		echo "FAIL: left behind after the run:"
		printf '  %s\n' "$left"
		[ "$rc" = 0 ] && rc=1
	fi
	rm -rf "/tmp/tlslb-$TOPO_TAG"
	[ "$rc" = 124 ] && echo "FAIL: out of time ($budget s)"
	exit "$rc"
}

# topo_cleanup: the inner run's EXIT trap: stop what it may have started
# (each stop does nothing where nothing runs), remove the topology, keep the
# exit status.
topo_cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	topo_tlslb_stop
	topo_haproxy_stop
	topo_keyagents_stop
	for i in 1 2; do
		[ -f "$DIR/nginx-s$i/nginx.pid" ] && topo_nginx_stop "$i" >/dev/null 2>&1
	done
	topo_sweep "$TAG"
	exit "$rc"
}

topo_quiet() {
	# No IPv6 chatter (router solicitations, DAD) on tlslb's ports.
	in_ns "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	in_ns "$1" ip link set lo up
}

topo_no_offload() {
	# Partial checksums on veth would reach tlslb unfinished.
	in_ns "$1" ethtool -K "$2" tx off >/dev/null 2>&1
}

# topo_up: create the namespaces, links and addresses. Returns non-zero
# with a reason on stderr when a step fails.
topo_up() {
	local ns i
	for ns in c1 c2 s1 s2 lb; do
		ip netns add "$TAG-$ns" || { echo "ip netns add $TAG-$ns failed" >&2; return 1; }
		topo_quiet "$TAG-$ns"
	done
	# tlslb's two ports, each the far end of a bridge in lb.
	ip -n "$TAG-lb" link add hc type veth peer name hcb || return 1
	ip -n "$TAG-lb" link add hs type veth peer name hsb || return 1
	ip -n "$TAG-lb" link add brc type bridge || return 1
	ip -n "$TAG-lb" link add brs type bridge || return 1
	# The management network (key service): lb's kernel <-> servers.
	ip -n "$TAG-lb" link add brm type bridge || return 1
	for i in 1 2; do
		ip -n "$TAG-lb" link add "c${i}b" type veth peer name eth0 netns "$TAG-c$i" || return 1
		ip -n "$TAG-lb" link add "s${i}b" type veth peer name eth0 netns "$TAG-s$i" || return 1
		ip -n "$TAG-lb" link add "m${i}b" type veth peer name mgmt netns "$TAG-s$i" || return 1
		ip -n "$TAG-lb" link set "c${i}b" master brc
		ip -n "$TAG-lb" link set "s${i}b" master brs
		ip -n "$TAG-lb" link set "m${i}b" master brm
	done
	ip -n "$TAG-lb" link set hcb master brc
	ip -n "$TAG-lb" link set hsb master brs
	for i in hcb hsb c1b c2b s1b s2b m1b m2b brc brs brm; do
		ip -n "$TAG-lb" link set "$i" up
		topo_no_offload "$TAG-lb" "$i"
	done
	for i in hc hs; do
		# Up, no address, no ARP from lb's kernel: the frames are tlslb's alone.
		ip -n "$TAG-lb" link set "$i" arp off
		ip -n "$TAG-lb" link set "$i" up
		topo_no_offload "$TAG-lb" "$i"
	done
	ip -n "$TAG-lb" addr add "$E2E_MGMT_LB_IP/24" dev brm
	for i in 1 2; do
		local cip=E2E_C${i}_IP sip=E2E_S${i}_IP mip=E2E_MGMT_S${i}_IP
		ip -n "$TAG-c$i" addr add "${!cip}/24" dev eth0
		ip -n "$TAG-c$i" link set eth0 up
		ip -n "$TAG-c$i" route add default via "$E2E_LB_CL_IP"
		topo_no_offload "$TAG-c$i" eth0
		ip -n "$TAG-s$i" addr add "${!sip}/24" dev eth0
		ip -n "$TAG-s$i" link set eth0 up
		ip -n "$TAG-s$i" route add default via "$E2E_LB_SV_IP"
		topo_no_offload "$TAG-s$i" eth0
		ip -n "$TAG-s$i" addr add "${!mip}/24" dev mgmt
		ip -n "$TAG-s$i" link set mgmt up
	done
	return 0
}

# topo_cert NAME: a self-signed P-256 certificate in $DIR/NAME/{cert,key}.pem
topo_cert() {
	mkdir -p "$DIR/$1"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj "/CN=$1" -keyout "$DIR/$1/key.pem" -out "$DIR/$1/cert.pem" >/dev/null 2>&1
}

# topo_nginx I TICKETS CACHE [TICKET_KEY_FILES...]: nginx in s$I, answering
# "server sI" on 443. TICKETS, CACHE: on|off.
topo_nginx() {
	local i=$1 tickets=$2 cache=$3 d=$DIR/nginx-s$1 f keys=
	shift 3
	mkdir -p "$d/logs"
	for f in "$@"; do
		keys+="    ssl_session_ticket_key $f;"$'\n'
	done
	[ -f "$DIR/s$i/cert.pem" ] || topo_cert "s$i" || return 1
	cat >"$d/nginx.conf" <<NGINX
user root;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    server {
        listen 443 ssl;
        ssl_certificate $DIR/s$i/cert.pem;
        ssl_certificate_key $DIR/s$i/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_tickets $tickets;
        ssl_session_cache $( [ "$cache" = on ] && echo "shared:S$i:1m" || echo off );
        ssl_session_timeout 1h;
$keys        location / { return 200 "server s$i\n"; }
    }
}
NGINX
	in_ns "$TAG-s$i" nginx -p "$d" -c "$d/nginx.conf" -g 'daemon on;' 2>"$d/start.err" ||
		{ cat "$d/start.err" >&2; return 1; }
	topo_wait_listen "s$i" 443
}

topo_nginx_stop() {
	local d=$DIR/nginx-s$1
	[ -f "$d/nginx.pid" ] && kill -TERM "$(cat "$d/nginx.pid")" 2>/dev/null
	for _ in $(seq 50); do
		in_ns "$TAG-s$1" ss -ltn 2>/dev/null | grep -q ':443 ' || return 0
		sleep 0.1
	done
	return 1
}

topo_wait_listen() {
	for _ in $(seq 100); do
		in_ns "$TAG-$1" ss -ltn 2>/dev/null | grep -q ":$2 " && return 0
		sleep 0.1
	done
	echo "nothing listens on $1:$2" >&2
	return 1
}

# topo_tlslb TLSLB CONF LOG [EXTRA DAEMON ARGS...]: start tlslb in lb; sets LB_PID.
topo_tlslb() {
	local tlslb=$1 conf=$2 log=$3 cpus c0 c1
	shift 3
	# Two lcores whatever the machine: the main one watches, the worker polls.
	cpus=($(taskset -pc $$ 2>/dev/null | sed 's/.*: //' | tr ',' '\n' |
		awk -F- '{ if (NF == 2) for (c = $1; c <= $2; c++) print c; else print $1 }'))
	c0=${cpus[0]:-0}
	c1=${cpus[1]:-$c0}
	# Not through in_ns: $! must be tlslb itself (ip netns exec execs it).
	ip netns exec "$TAG-lb" "$tlslb" --no-huge --no-pci -m 512 --file-prefix "e2e_$TAG" \
		--lcores="0@$c0,1@$c1" --log-level=lib.eal:error \
		--vdev net_af_packet0,iface=hc,qpairs=1 --vdev net_af_packet1,iface=hs,qpairs=1 \
		-- --config "$conf" --socket "$DIR/tlslb.sock" "$@" >"$log" 2>&1 &
	LB_PID=$!
	for _ in $(seq 150); do
		grep -q "tlslb: running" "$log" 2>/dev/null && return 0
		kill -0 "$LB_PID" 2>/dev/null || { echo "tlslb exited at start-up" >&2; return 1; }
		sleep 0.1
	done
	echo "tlslb did not start" >&2
	return 1
}

topo_tlslb_stop() {
	[ -n "${LB_PID:-}" ] || return 0
	kill -TERM "$LB_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$LB_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$LB_PID" 2>/dev/null
	wait "$LB_PID" 2>/dev/null
	LB_PID=
}

# topo_conf MODE: the tlslb config of the topology, service in MODE.
topo_conf() {
	cat <<CONF
port add client dev net_af_packet0 role client
port add server dev net_af_packet1 role server
address add $E2E_LB_CL_IP/24 port client
address add $E2E_LB_SV_IP/24 port server
service add $E2E_VIP:443 mode $1 nat two-arm
backend add $E2E_VIP:443 $E2E_S1_IP:443 weight 1
backend add $E2E_VIP:443 $E2E_S2_IP:443 weight 1
set limit flows 4096
CONF
}

# topo_connect CLIENT SESSFILE VERSION [s_client options...]: one HTTPS
# request from CLIENT (c1|c2) with s_client, resuming SESSFILE if it exists
# and saving the new session there. Prints "SERVER REUSED" (REUSED: new|reused),
# or "fail -" when the connection failed.
topo_connect() {
	local c=$1 sess=$2 ver=$3 out in_opt=() who how
	shift 3
	[ -s "$sess" ] && in_opt=(-sess_in "$sess")
	out=$(printf 'GET / HTTP/1.0\r\n\r\n' | in_ns "$TAG-$c" timeout 5 openssl s_client \
		-connect "$E2E_VIP:443" "$ver" -ign_eof "${in_opt[@]}" -sess_out "$sess.new" "$@" 2>/dev/null)
	who=$(printf '%s\n' "$out" | sed -n 's/^server \(s[12]\)$/\1/p' | tail -1)
	how=$(printf '%s\n' "$out" | sed -n 's/^\(New\|Reused\), .*/\1/p' | head -1)
	[ -s "$sess.new" ] && mv "$sess.new" "$sess"
	if [ -z "$who" ] || [ -z "$how" ]; then
		echo "fail -"
		return 1
	fi
	[ "$how" = Reused ] && echo "$who reused" || echo "$who new"
}

# topo_kernel_lb on|off: hand lb's kernel the links tlslb otherwise owns, so
# that a proxy can stand in tlslb's position (HAProxy for the comparison):
# the clients' router and the VIP on hc, the servers' router on hs, ARP on.
# "off" gives the links back to tlslb (no address, no ARP). Both flush the
# neighbour caches of the clients and servers so nobody keeps an answer
# from the other owner.
topo_kernel_lb() {
	local ns=$TAG-lb i rc=0
	case $1 in
	on)
		ip -n "$ns" link set hc arp on || rc=1
		ip -n "$ns" link set hs arp on || rc=1
		ip -n "$ns" addr add "$E2E_LB_CL_IP/24" dev hc || rc=1
		ip -n "$ns" addr add "$E2E_VIP/32" dev hc || rc=1
		ip -n "$ns" addr add "$E2E_LB_SV_IP/24" dev hs || rc=1
		;;
	off)
		ip -n "$ns" addr flush dev hc || rc=1
		ip -n "$ns" addr flush dev hs || rc=1
		ip -n "$ns" link set hc arp off || rc=1
		ip -n "$ns" link set hs arp off || rc=1
		;;
	*) return 1 ;;
	esac
	for i in c1 c2 s1 s2; do
		ip -n "$TAG-$i" neigh flush dev eth0 2>/dev/null
	done
	return $rc
}

# topo_haproxy: Debian's HAProxy in lb in tlslb's position (needs
# topo_kernel_lb on), TCP mode, round-robin, with the SSL session-ID
# stickiness of its documentation (configuration.txt, "stick
# store-response"), with the fetch names HAProxy 2.6 accepts (the example
# there spells them rep.ssl_hello_type and resp.payload_lv, which 2.6
# rejects: res.ssl_hello_type and res.payload_lv) and one line more: a
# "tcp-response inspect-delay", without which 2.6 evaluates the response
# rules before the ServerHello is there and never learns a session ID (0%
# resumption with session IDs, checked); sets HAPROXY_PID.
topo_haproxy() {
	local d=$DIR/haproxy
	mkdir -p "$d"
	cat >"$d/haproxy.cfg" <<HAPROXY
global
    nbthread 1
    maxconn 512

defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend tls
    bind $E2E_VIP:443
    default_backend servers

backend servers
    balance roundrobin
    # The maximum SSL session ID length is 32 bytes.
    stick-table type binary len 32 size 30k expire 30m
    acl clienthello req.ssl_hello_type 1
    acl serverhello res.ssl_hello_type 2
    tcp-request inspect-delay 5s
    tcp-request content accept if clienthello
    tcp-response inspect-delay 5s
    tcp-response content accept if serverhello
    # Session ID: length at offset 43 of the record, value from 44.
    stick on req.payload_lv(43,1) if clienthello
    stick store-response res.payload_lv(43,1) if serverhello
    server s1 $E2E_S1_IP:443
    server s2 $E2E_S2_IP:443
HAPROXY
	haproxy -c -q -f "$d/haproxy.cfg" >"$d/check.log" 2>&1 ||
		{ cat "$d/check.log" >&2; return 1; }
	# Not through in_ns: $! must be haproxy itself (ip netns exec execs it).
	ip netns exec "$TAG-lb" haproxy -db -f "$d/haproxy.cfg" >"$d/haproxy.log" 2>&1 &
	HAPROXY_PID=$!
	topo_wait_listen lb 443 || { cat "$d/haproxy.log" >&2; return 1; }
}

topo_haproxy_stop() {
	[ -n "${HAPROXY_PID:-}" ] || return 0
	kill -TERM "$HAPROXY_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$HAPROXY_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$HAPROXY_PID" 2>/dev/null
	wait "$HAPROXY_PID" 2>/dev/null
	HAPROXY_PID=
}

# topo_hello_probe CLIENT VERSION [s_client options...]: two connections
# from CLIENT, the second resuming the first's session with a capture on the
# client's link; prints "BYTES SEGMENTS WHO1 HOW1 WHO2 HOW2": the size of the
# resuming ClientHello (handshake message), how many TCP segments carried
# it, and what topo_connect said of each connection.
topo_hello_probe() {
	local c=$1 pcap=$DIR/hello-$1.pcap err=$DIR/hello-$1.err tpid out len segs how1 how2
	shift
	rm -f "$pcap" "$err" "$DIR/probe.sess"
	how1=$(topo_connect "$c" "$DIR/probe.sess" "$@")
	# Not through in_ns: $! must be timeout, which passes TERM to tcpdump.
	ip netns exec "$TAG-$c" timeout 20 tcpdump -i eth0 -n -U -Z root --immediate-mode -s 0 -w "$pcap" \
		'tcp dst port 443' 2>"$err" &
	tpid=$!
	for _ in $(seq 50); do grep -q "listening on" "$err" 2>/dev/null && break; sleep 0.1; done
	how2=$(topo_connect "$c" "$DIR/probe.sess" "$@")
	sleep 0.2
	kill -TERM "$tpid" 2>/dev/null
	wait "$tpid" 2>/dev/null
	rm -f "$DIR/probe.sess"
	# tshark names the segments of a reassembled hello in the frame that
	# completes it; a hello in one segment has no such field.
	out=$(timeout 30 tshark -n -r "$pcap" -Y 'tls.handshake.type == 1' \
		-T fields -e tls.handshake.length -e tcp.segment.count 2>/dev/null | head -1)
	read -r len segs <<<"$out"
	[ -n "$len" ] || { echo "0 0 $how1 $how2"; return 1; }
	echo "$((len + 4)) ${segs:-1} $how1 $how2"
}

# --- ticket keys (issue 6): tlslb's key service on the management network,
# one tlslb-keyagent per server writing nginx's ssl_session_ticket_key files.

E2E_KEYS_PORT=7443
E2E_KEY_SLOTS=16

# topo_pki: a test CA, the key service's certificate, one per agent (CN s1, s2).
topo_pki() {
	local d=$DIR/pki n
	mkdir -p "$d" && chmod 700 "$d"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=tlslb e2e CA" -keyout "$d/ca.key" -out "$d/ca.pem" >/dev/null 2>&1 || return 1
	for n in keysvc s1 s2; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
			-subj "/CN=$n" -keyout "$d/$n.key" -out "$d/$n.csr" >/dev/null 2>&1 || return 1
		openssl x509 -req -in "$d/$n.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
			-CAcreateserial -days 1 -out "$d/$n.pem" >/dev/null 2>&1 || return 1
	done
}

# topo_keys_conf POLICY: the config lines of the key service (tlslb side).
topo_keys_conf() {
	cat <<CONF
keys listen $E2E_MGMT_LB_IP:$E2E_KEYS_PORT ca $DIR/pki/ca.pem cert $DIR/pki/keysvc.pem key $DIR/pki/keysvc.key state $DIR/keys.state
keys service $E2E_VIP:443 policy ${1:-per-server}
keys agent $E2E_VIP:443 $E2E_S1_IP:443 cn s1 format nginx
keys agent $E2E_VIP:443 $E2E_S2_IP:443 cn s2 format nginx
CONF
}

# topo_keyfiles I: the ssl_session_ticket_key files nginx in sI reads.
topo_keyfiles() {
	local k
	for k in $(seq 0 $((E2E_KEY_SLOTS - 1))); do
		printf '%s ' "$DIR/keys-s$1/ticket.$k.key"
	done
}

# topo_keyagent KEYAGENT I: the agent of sI; reloads nginx when it runs.
topo_keyagent() {
	local agent=$1 i=$2 ip=E2E_S${2}_IP
	mkdir -p "$DIR/keys-s$i" && chmod 700 "$DIR/keys-s$i"
	in_ns "$TAG-s$i" "$agent" --connect "$E2E_MGMT_LB_IP:$E2E_KEYS_PORT" --ca "$DIR/pki/ca.pem" \
		--cert "$DIR/pki/s$i.pem" --key "$DIR/pki/s$i.key" --backend "${!ip}:443" \
		--format nginx --dir "$DIR/keys-s$i" --slots "$E2E_KEY_SLOTS" \
		--reload "p=$DIR/nginx-s$i/nginx.pid; if [ -s \$p ]; then kill -HUP \$(cat \$p); fi" \
		--backoff-max 2 >"$DIR/keyagent-s$i.log" 2>&1 &
	eval "E2E_AGENT$i=\$!"
}

# topo_wait_keys I: until the agent of sI has written its key files.
topo_wait_keys() {
	for _ in $(seq 100); do
		[ -s "$DIR/keys-s$1/ticket.0.key" ] && return 0
		sleep 0.1
	done
	echo "no ticket keys for s$1 (see $DIR/keyagent-s$1.log)" >&2
	return 1
}

topo_keyagents_stop() {
	local pid
	for pid in "${E2E_AGENT1:-}" "${E2E_AGENT2:-}"; do
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	done
	E2E_AGENT1= E2E_AGENT2=
}

# --- lifecycle checks: what tlslbctl says, as values a script can compare.
# They talk to $DIR/tlslb.sock with $TLSLBCTL.

topo_ctl() { timeout 5 "$TLSLBCTL" -s "$DIR/tlslb.sock" "$@"; }

# topo_backend_health IP:PORT: the health column of `show backends` for that
# backend (up, down, unknown), or nothing.
topo_backend_health() {
	topo_ctl show backends 2>/dev/null | awk -v be="$1" '$2 == be { print $5; exit }'
}

# topo_wait_health IP:PORT STATE TENTHS: until the backend's health is STATE,
# at most TENTHS tenths of a second.
topo_wait_health() {
	for _ in $(seq "$3"); do
		[ "$(topo_backend_health "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# topo_key_table: the ticket keys of `show keys`, one "NAME OWNER STATE" a
# line, sorted (names only: tlslb never shows key material).
topo_key_table() {
	topo_ctl show keys 2>/dev/null | awk '/^keys$/ { k = 1; next } /^agents$/ { k = 0 }
		k && length($2) == 32 && $2 ~ /^[0-9a-f]+$/ { print $2, $3, $4 }' | sort
}

# topo_agents_reachable: how many key agents `show keys` says are reachable.
topo_agents_reachable() {
	topo_ctl show keys 2>/dev/null | awk '/^agents$/ { a = 1; next }
		a && $5 == "true" { n++ } END { print n + 0 }'
}

# topo_shared_cert: one certificate for both servers, as behind one VIP in
# production (topo_nginx then finds it in $DIR/s1 and $DIR/s2). Needed for
# one server to resume another's session: nginx binds sessions to a context
# hashed from its certificates, so with two certificates S2 decrypts S1's
# ticket with the shared key and still refuses the session.
topo_shared_cert() {
	topo_cert vip || return 1
	mkdir -p "$DIR/s1" "$DIR/s2"
	cp "$DIR/vip/cert.pem" "$DIR/vip/key.pem" "$DIR/s1/" &&
		cp "$DIR/vip/cert.pem" "$DIR/vip/key.pem" "$DIR/s2/"
}

# topo_ticket_keyname SESSFILE: the key name (first 16 bytes, hex) of the
# ticket in an s_client session file (OpenSSL's and nginx's ticket layout).
topo_ticket_keyname() {
	openssl sess_id -in "$1" -noout -text 2>/dev/null | awk '/TLS session ticket:$/ { t = 1; next }
		t && $1 == "0000" { s = $0; sub(/^ *0000 - /, "", s); s = substr(s, 1, 47)
			gsub(/[- ]/, "", s); print s; exit }'
}
