/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whole config files: errors that name the right line, the checks across
 * lines, save -> load round trips, every prefix and small mutations of good
 * lines, and the example config shipped in control/.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "cp_addr.h"
#include "cp_config.h"
#include "cp_test_util.h"

#define N CP_TEST_N

static struct cp_config cfg, cfg2, before;
static const char *example_path;

/* Load @text (of @len bytes, 0: strlen) as the file "t.conf". */
static int
load_text(struct cp_config *c, const char *text, size_t len, char *err, size_t err_len)
{
	FILE *f;
	int rc;

	if (len == 0)
		len = strlen(text);
	f = fmemopen((void *)text, len, "r");
	assert_non_null(f);
	rc = cp_config_load_stream(c, f, "t.conf", err, err_len);
	fclose(f);
	return rc;
}

#define GOOD_HEAD                                \
	"port add c dev net_ring0 role client\n" \
	"port add s dev net_ring1 role server\n" \
	"address add 10.0.0.1/24 port c\n"       \
	"address add 10.1.0.1/24 port s\n"

/* A literal and its length, for texts with a NUL inside. */
#define TEXT(s) s, sizeof(s) - 1

struct file_case {
	const char *desc;
	const char *text;
	size_t len; /* for texts with a NUL; 0: strlen */
	int rc;
	const char *err; /* the message starts with this */
};

static const struct file_case files[] = {
	{ "minimal", "port add c dev x role both\n", 0, 0 },
	{ "no newline at the end", "port add c dev x role both", 0, 0 },
	{ "CRLF lines", "# demo\r\nport add c dev x role both\r\n\r\n", 0, 0 },
	{ "comments and blank lines", "\n# a\n   \n\t# b\nport add c dev x role both # c\n\n", 0,
	  0 },
	{ "error on line 2", "port add c dev x role client\nbogus\n", 0, -EINVAL,
	  "t.conf:2: unknown command \"bogus\"; commands start with: port," },
	{ "line numbers count blank and comment lines",
	  "# one\n\nport add c dev x role client\n   # four\nport add c dev y role server\n", 0,
	  -EEXIST, "t.conf:5: port add: port \"c\" exists" },
	{ "error on a last line without newline",
	  "port add c dev x role client\n\nservice add 1.2.3", 0, -EINVAL,
	  "t.conf:3: service add: \"1.2.3\": expected IP:PORT" },
	{ "backend before its service",
	  GOOD_HEAD "backend add 10.0.0.10:443 10.1.0.11:443\nservice add 10.0.0.10:443\n", 0,
	  -ENOENT, "t.conf:5: backend add: no service 10.0.0.10:443" },
	{ "NUL byte", TEXT("port add c dev x role both\n# ok\nabc\0def\n"), -EINVAL,
	  "t.conf:3: NUL byte at column 4" },
	{ "NUL byte in a comment", TEXT("# a\0b\nport add c dev x role both\n"), -EINVAL,
	  "t.conf:1: NUL byte at column 4" },
	{ "non-ASCII", "port add c dev x role both\n# \xc3\xa9t\xc3\xa9\n", 0, -EINVAL,
	  "t.conf:2: non-ASCII byte 0xc3 at column 3" },
	{ "CR inside a line", "port add c dev x\rrole both\n", 0, -EINVAL,
	  "t.conf:1: control character 0x0d at column 17" },
	{ "a bad value",
	  GOOD_HEAD "service add 10.0.0.10:443\nbackend add 10.0.0.10:443 10.0.0.300:443\n", 0,
	  -EINVAL, "t.conf:6: backend add: \"10.0.0.300:443\": bad IPv4 address" },
	{ "whole-config check after the last line", "# nothing\n", 0, -EINVAL,
	  "t.conf: no port: add one with \"port add NAME dev DEVICE role client|server|both\"" },
};

static void
test_files(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(files); i++) {
		const struct file_case *c = &files[i];
		char err[512] = "";
		int rc;

		print_message("# file: %s\n", c->desc);
		rc = load_text(&cfg, c->text, c->len, err, sizeof(err));
		if (c->rc == 0 && rc != 0)
			fail_msg("%s", err);
		assert_int_equal(rc, c->rc);
		if (c->rc != 0 && strncmp(err, c->err, strlen(c->err)) != 0)
			fail_msg("\"%s\" does not start with \"%s\"", err, c->err);
	}
}

static void
test_long_lines(void **state)
{
	static char text[4096];
	char err[256];
	size_t n;

	(void)state;
	/* A comment line of exactly 1024 bytes, CRLF-terminated, is fine. */
	n = (size_t)snprintf(text, sizeof(text), "port add c dev x role both\n#");
	memset(text + n, 'x', 1023);
	n += 1023;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\r\nset limit flows 7\n");
	assert_int_equal(load_text(&cfg, text, n, err, sizeof(err)), 0);
	assert_int_equal(cfg.limits.flows, 7);

	/* One byte more is refused, with its line number. */
	n = (size_t)snprintf(text, sizeof(text), "port add c dev x role both\n\n#");
	memset(text + n, 'x', 1024);
	n += 1024;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\nset limit flows 7\n");
	assert_int_equal(load_text(&cfg, text, n, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:3: line longer than 1024 bytes");

	/* Far longer, without any newline at all. */
	memset(text, 'y', sizeof(text));
	assert_int_equal(load_text(&cfg, text, sizeof(text), err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:1: line longer than 1024 bytes");
}

static void
test_load_path(void **state)
{
	char path[] = "/tmp/cp_load_XXXXXX";
	char want[600], err[512];
	int fd;
	FILE *f;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("port add c dev x role client\n# two\nservice add 10.0.0.10:443 mode l5\n", f);
	fclose(f);
	assert_int_equal(cp_config_load(&cfg, path, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: service add: mode \"l5\": expected l4 or tls", path);
	assert_string_equal(err, want);
	unlink(path);

	assert_int_equal(cp_config_load(&cfg, path, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(err, want);
}

/* The whole-config checks: "" expects success. */
struct check_case {
	const char *desc;
	const char *text;
	const char *err;
};

static const struct check_case checks[] = {
	{ "two-arm",
	  GOOD_HEAD "service add 10.0.0.10:443\nbackend add 10.0.0.10:443 10.1.0.11:443\n", "" },
	{ "one-arm",
	  "port add p dev x role both\naddress add 10.0.0.1/24 port p\n"
	  "service add 10.0.0.10:443\nbackend add 10.0.0.10:443 10.0.0.11:443\n",
	  "" },
	{ "a service without backends", GOOD_HEAD "service add 10.0.0.10:443\n", "" },
	{ "backends behind a router",
	  GOOD_HEAD "route add 10.7.0.0/16 via 10.1.0.254 port s\nservice add 10.0.0.10:443\n"
		    "backend add 10.0.0.10:443 10.7.1.1:443\n",
	  "" },
	{ "a more specific route wins over a connected subnet",
	  GOOD_HEAD "route add 10.0.0.128/25 via 10.1.0.254 port s\nservice add 10.0.0.10:443\n"
		    "backend add 10.0.0.10:443 10.0.0.200:443\n",
	  "" },
	{ "full NAT with snat on the server port",
	  "port add c dev net_ring0 role client\nport add s dev net_ring1 role server\n"
	  "address add 10.0.0.1/24 port c\naddress add 10.1.0.1/24 port s snat\n"
	  "service add 10.0.0.10:443 nat full\nbackend add 10.0.0.10:443 10.1.0.11:443\n",
	  "" },
	{ "static neighbour and gateway on their subnets",
	  GOOD_HEAD "neigh add 10.1.0.11 lladdr 02:00:00:00:00:0b port s\n"
		    "route add 0.0.0.0/0 via 10.0.0.254 port c\n",
	  "" },
	{ "no port", "# empty\n",
	  "no port: add one with \"port add NAME dev DEVICE role client|server|both\"" },
	{ "services but no client port",
	  "port add s dev x role server\nservice add 10.0.0.10:443\n",
	  "services need a port with role client or both" },
	{ "a backend nothing reaches",
	  GOOD_HEAD "service add 10.0.0.10:443\nbackend add 10.0.0.10:443 10.2.0.11:443\n",
	  "service 10.0.0.10:443: backend 10.2.0.11:443: no address or route reaches it" },
	{ "a backend on the client side",
	  GOOD_HEAD "service add 10.0.0.10:443\nbackend add 10.0.0.10:443 10.0.0.50:443\n",
	  "service 10.0.0.10:443: backend 10.0.0.50:443: reached through port \"c\", whose role is "
	  "client" },
	{ "a backend routed to the client side",
	  GOOD_HEAD "route add 10.7.0.0/16 via 10.0.0.254 port c\nservice add 10.0.0.10:443\n"
		    "backend add 10.0.0.10:443 10.7.0.5:443\n",
	  "service 10.0.0.10:443: backend 10.7.0.5:443: reached through port \"c\", whose role is "
	  "client" },
	{ "a backend at the broadcast address",
	  GOOD_HEAD "service add 10.0.0.10:443\nbackend add 10.0.0.10:443 10.1.0.255:443\n",
	  "service 10.0.0.10:443: backend 10.1.0.255: the network or broadcast address of "
	  "10.1.0.1/24" },
	{ "a backend at tlslb's own address",
	  GOOD_HEAD "service add 10.0.0.10:443\nbackend add 10.0.0.10:443 10.1.0.1:443\n",
	  "service 10.0.0.10:443: backend 10.1.0.1: an address of tlslb's own" },
	{ "nat full without any snat address", GOOD_HEAD "service add 10.0.0.10:443 nat full\n",
	  "service 10.0.0.10:443 has nat full but no address has snat" },
	{ "nat full, snat only on another server port",
	  GOOD_HEAD "port add s2 dev net_ring2 role server\naddress add 10.2.0.1/24 port s2 snat\n"
		    "service add 10.0.0.10:443 nat full\nbackend add 10.0.0.10:443 10.1.0.11:443\n",
	  "service 10.0.0.10:443 (nat full): backend 10.1.0.11:443 is reached through port \"s\", "
	  "which has no snat address" },
	{ "a gateway off the port's subnets",
	  GOOD_HEAD "route add 10.5.0.0/16 via 10.0.0.254 port s\n",
	  "route 10.5.0.0/16 via 10.0.0.254: gateway not on a subnet of port \"s\"" },
	{ "a gateway at the broadcast address",
	  GOOD_HEAD "route add 10.5.0.0/16 via 10.1.0.255 port s\n",
	  "route 10.5.0.0/16: gateway 10.1.0.255: the network or broadcast address of 10.1.0.1/24" },
	{ "a gateway at tlslb's own address",
	  GOOD_HEAD "route add 10.5.0.0/16 via 10.1.0.1 port s\n",
	  "route 10.5.0.0/16: gateway 10.1.0.1: an address of tlslb's own" },
	{ "a neighbour off the port's subnets",
	  GOOD_HEAD "neigh add 10.5.0.1 lladdr 02:00:00:00:00:01 port s\n",
	  "neighbour 10.5.0.1: not on a subnet of port \"s\"" },
	{ "a neighbour on the other port's subnet",
	  GOOD_HEAD "neigh add 10.0.0.5 lladdr 02:00:00:00:00:01 port s\n",
	  "neighbour 10.0.0.5: not on a subnet of port \"s\"" },
	{ "a neighbour at the network address",
	  GOOD_HEAD "neigh add 10.1.0.0 lladdr 02:00:00:00:00:01 port s\n",
	  "neighbour 10.1.0.0: the network or broadcast address of 10.1.0.1/24" },
	{ "a VIP at the broadcast address of the client subnet",
	  GOOD_HEAD "service add 10.0.0.255:443\n",
	  "service 10.0.0.255:443: VIP is the network or broadcast address of 10.0.0.1/24" },
	{ "overlapping subnets on two ports", GOOD_HEAD "address add 10.0.0.129/25 port s\n",
	  "address 10.0.0.1/24 on port \"c\" and 10.0.0.129/25 on port \"s\": overlapping subnets" },
};

static void
test_checks(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N(checks); i++) {
		const struct check_case *c = &checks[i];
		char err[512] = "", want[600];
		int rc;

		print_message("# check: %s\n", c->desc);
		rc = load_text(&cfg, c->text, 0, err, sizeof(err));
		if (c->err[0] == '\0') {
			if (rc != 0)
				fail_msg("%s", err);
			continue;
		}
		assert_int_equal(rc, -EINVAL);
		snprintf(want, sizeof(want), "t.conf: %s", c->err);
		assert_string_equal(err, want);
		/* Each line was fine on its own: the same lines apply one by one. */
		cp_config_init(&cfg2);
		{
			char *copy = strdup(c->text), *save = NULL, *line;

			for (line = strtok_r(copy, "\n", &save); line != NULL;
			     line = strtok_r(NULL, "\n", &save))
				assert_int_equal(
					cp_config_apply_line(&cfg2, line, err, sizeof(err)), 0);
			free(copy);
		}
		assert_int_equal(cp_config_validate(&cfg2, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, c->err);
	}
}

/* A config that uses every command, option and table, with deletes in between. */
static const char *const rich[] = {
	"port add c dev net_ring0 role client",
	"port add s1 dev net_pcap0,rx_pcap=/tmp/in.pcap,tx_pcap=/tmp/out.pcap role server",
	"port add s2 dev 0000:03:00.1 role server",
	"port add b dev net_af_packet0,iface=veth0 role both",
	"address add 10.0.0.1/24 port c",
	"address add 10.1.0.1/24 port s1 snat",
	"address add 10.1.0.2/24 port s1",
	"address add 10.2.0.1/16 port s2 snat",
	"address add 10.3.0.1/24 port b snat",
	"address add 10.4.0.1/32 port c",
	"route add 192.168.0.0/16 via 10.1.0.254 port s1",
	"route add 172.16.0.0/12 via 10.2.0.254 port s2",
	"route add 0.0.0.0/0 via 10.0.0.254 port c",
	"route add 198.51.100.0/24 via 10.3.0.254 port b",
	"neigh add 10.1.0.254 lladdr 02:00:00:01:00:fe port s1",
	"neigh add 10.2.0.254 lladdr 02:00:00:02:00:FE port s2",
	"neigh add 10.0.0.254 lladdr 0a:0b:0c:0d:0e:0f port c",
	"set timeout syn 3",
	"set timeout established 7200",
	"set timeout closing 10",
	"set timeout reset 1",
	"set timeout neigh 60",
	"set timeout hello 12",
	"set limit flows 65536",
	"set limit neigh-queue 0",
	"set snat-ports 20000-29999",
	"service add 10.0.0.10:443 mode tls",
	"service add 10.0.0.10:80",
	"service add 10.0.0.11:443 nat full mode l4 sched wrr",
	"service add 10.0.0.12:8443 mode tls nat full",
	"backend add 10.0.0.10:443 10.1.0.11:443",
	"backend add 10.0.0.11:443 10.2.3.4:443 weight 10",
	"backend add 10.0.0.10:443 10.1.0.12:443 weight 3",
	"backend add 10.0.0.10:80 10.1.0.11:80 weight 0",
	"backend add 10.0.0.12:8443 192.168.7.7:443 weight 65535",
	"backend add 10.0.0.11:443 172.20.0.1:8443",
	"backend add 10.0.0.10:443 10.3.0.13:443",
	"service add 10.0.0.13:443",
	"backend add 10.0.0.13:443 10.1.0.50:443",
	"service del 10.0.0.10:80",
	"backend del 10.0.0.10:443 10.1.0.12:443",
	"address del 10.1.0.2",
	"route del 198.51.100.0/24",
	"neigh del 10.0.0.254",
	"backend add 10.0.0.10:443 198.51.100.5:443 weight 2",
	"route add 198.51.100.0/24 via 10.3.0.254 port b",
	/* every setting of services and backends */
	"service set 10.0.0.10:443 session-lifetime 3600 hello-timeout 7 keyname-len 4 "
	"server-id-len 2 psk-server-id on",
	"service health 10.0.0.10:443 on interval 500 timeout 250 rise 3 fall 4",
	"service set 10.0.0.12:8443 server-id-len 16 sched wrr mode l4",
	"service health 10.0.0.11:443 off interval 10000 timeout 9999 rise 10 fall 1",
	"backend set 10.0.0.10:443 10.1.0.11:443 name s-1 server-id bEEf",
	"backend set 10.0.0.10:443 10.3.0.13:443 server-id 0001 weight 7",
	"backend set 10.0.0.10:443 198.51.100.5:443 name far",
	"backend drain 10.0.0.10:443 10.1.0.11:443 resumptions",
	"backend drain 10.0.0.10:443 10.3.0.13:443",
	"backend disable 10.0.0.11:443 10.2.3.4:443",
	"backend add 10.0.0.11:443 10.2.3.5:443 name n5",
	"backend drain 10.0.0.11:443 172.20.0.1:8443",
	"backend undrain 10.0.0.11:443 172.20.0.1:8443",
	"backend set 10.0.0.12:8443 192.168.7.7:443 server-id ffffffffffffffffffffffffffffffff",
	"backend disable 10.0.0.13:443 10.1.0.50:443",
	"backend enable 10.0.0.13:443 10.1.0.50:443",
	"backend add 10.0.0.13:443 10.1.0.51:443",
	"backend del 10.0.0.13:443 10.1.0.51:443 reset",
	NULL,
};

/*
 * Configs built by hand that the grammar could never build: the whole-config
 * check says what is wrong, and save refuses to print them.
 */
static void
bad_lifetime(struct cp_config *c)
{
	c->services[0].session_lifetime = 0;
}

static void
bad_hello(struct cp_config *c)
{
	c->services[0].hello_timeout = 86401;
}

static void
bad_keyname(struct cp_config *c)
{
	c->services[1].keyname_len = 33;
}

static void
bad_sid_len(struct cp_config *c)
{
	c->services[0].server_id_len = 17;
}

static void
bad_psk(struct cp_config *c)
{
	c->services[0].psk_server_id = true;
}

static void
bad_health(struct cp_config *c)
{
	c->services[0].health.timeout_ms = 2001;
}

static void
bad_rise(struct cp_config *c)
{
	c->services[1].health.rise = 0;
}

static void
bad_mode(struct cp_config *c)
{
	c->services[1].mode = 2;
}

static void
bad_weight(struct cp_config *c)
{
	c->backends[0].weight = 65536;
}

static void
bad_admin(struct cp_config *c)
{
	c->backends[0].admin = 3;
}

static void
bad_resume(struct cp_config *c)
{
	c->backends[0].drain_resume = true;
}

static void
bad_name(struct cp_config *c)
{
	strcpy(c->backends[0].name, "1st");
}

static void
bad_name_nul(struct cp_config *c)
{
	memset(c->backends[0].name, 'a', CP_NAME_MAX);
}

static void
bad_sid(struct cp_config *c)
{
	c->backends[0].server_id[0] = 1;
}

static void
two_backends(struct cp_config *c)
{
	cp_test_apply(c, (const char *const[]){ "backend add 10.0.0.10:443 10.1.0.12:443",
						 "service set 10.0.0.10:443 server-id-len 1",
						 NULL });
}

static void
bad_dup_name(struct cp_config *c)
{
	two_backends(c);
	strcpy(c->backends[0].name, "x");
	strcpy(c->backends[1].name, "x");
}

static void
bad_dup_sid(struct cp_config *c)
{
	two_backends(c);
	c->backends[0].server_id[0] = 5;
	c->backends[1].server_id[0] = 5;
}

static void
bad_order(struct cp_config *c)
{
	cp_test_apply(c, (const char *const[]){ "backend add 10.0.0.10:80 10.1.0.12:80", NULL });
	c->backends[0].service = 1;
	c->backends[1].service = 0;
}

static const struct {
	const char *desc;
	void (*mutate)(struct cp_config *c);
	const char *err;
} bad_settings[] = {
	{ "lifetime 0", bad_lifetime, "service 10.0.0.10:443: session-lifetime 0 not in 1..604800" },
	{ "hello timeout", bad_hello, "service 10.0.0.10:443: hello-timeout 86401 not in 0..86400" },
	{ "key name length", bad_keyname, "service 10.0.0.10:80: keyname-len 33 not in 1..32" },
	{ "server ID length", bad_sid_len, "service 10.0.0.10:443: server-id-len 17 not in 0..16" },
	{ "psk without server ID", bad_psk,
	  "service 10.0.0.10:443: psk-server-id on with server-id-len 0" },
	{ "health timeout over interval", bad_health,
	  "service 10.0.0.10:443: health interval 2000 timeout 2001 rise 2 fall 3 out of range" },
	{ "health rise 0", bad_rise,
	  "service 10.0.0.10:80: health interval 2000 timeout 1000 rise 0 fall 3 out of range" },
	{ "mode", bad_mode, "service 10.0.0.10:80: bad mode, nat or sched" },
	{ "weight", bad_weight,
	  "service 10.0.0.10:443: backend 10.1.0.11:443: weight 65536 not in 0..65535" },
	{ "admin state", bad_admin, "service 10.0.0.10:443: backend 10.1.0.11:443: bad admin state" },
	{ "resumptions without a drain", bad_resume,
	  "service 10.0.0.10:443: backend 10.1.0.11:443: bad admin state" },
	{ "name", bad_name, "service 10.0.0.10:443: backend 10.1.0.11:443: bad name" },
	{ "name without its NUL", bad_name_nul,
	  "service 10.0.0.10:443: backend 10.1.0.11:443: bad name" },
	{ "server ID beyond the length", bad_sid,
	  "service 10.0.0.10:443: backend 10.1.0.11:443: server-id longer than server-id-len 0" },
	{ "duplicate names", bad_dup_name,
	  "service 10.0.0.10:443: backends 10.1.0.11:443 and 10.1.0.12:443 both named \"x\"" },
	{ "duplicate server IDs", bad_dup_sid,
	  "service 10.0.0.10:443: backends 10.1.0.11:443 and 10.1.0.12:443 have one server-id" },
	{ "pools out of order", bad_order,
	  "backend 10.1.0.12:80: backends not grouped by service" },
};

static void
test_bad_settings(void **state)
{
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < N(bad_settings); i++) {
		print_message("# settings: %s\n", bad_settings[i].desc);
		cp_test_base_config(&cfg);
		assert_int_equal(cp_config_validate(&cfg, err, sizeof(err)), 0);
		bad_settings[i].mutate(&cfg);
		assert_int_equal(cp_config_validate(&cfg, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, bad_settings[i].err);
		assert_int_equal(cp_config_save(&cfg, stdout), -EINVAL);
	}
}

/* One change to one field each, for cp_config_equal. */
static void
tw_lifetime(struct cp_config *c)
{
	c->services[0].session_lifetime++;
}

static void
tw_hello(struct cp_config *c)
{
	c->services[0].hello_timeout++;
}

static void
tw_keyname(struct cp_config *c)
{
	c->services[0].keyname_len++;
}

static void
tw_sid_len(struct cp_config *c)
{
	c->services[1].server_id_len++;
}

static void
tw_psk(struct cp_config *c)
{
	c->services[0].psk_server_id = false;
}

static void
tw_h_on(struct cp_config *c)
{
	c->services[0].health.enabled = false;
}

static void
tw_h_iv(struct cp_config *c)
{
	c->services[3].health.interval_ms++;
}

static void
tw_h_to(struct cp_config *c)
{
	c->services[3].health.timeout_ms++;
}

static void
tw_h_rise(struct cp_config *c)
{
	c->services[2].health.rise++;
}

static void
tw_h_fall(struct cp_config *c)
{
	c->services[2].health.fall++;
}

static void
tw_admin(struct cp_config *c)
{
	c->backends[0].admin = CP_ADMIN_DISABLED;
}

static void
tw_resume(struct cp_config *c)
{
	c->backends[0].drain_resume = false;
}

static void
tw_name(struct cp_config *c)
{
	c->backends[0].name[2] = 'x';
}

static void
tw_sid(struct cp_config *c)
{
	c->backends[0].server_id[1] ^= 1;
}


static void (*const tweaks[])(struct cp_config *) = {
	tw_lifetime, tw_hello, tw_keyname, tw_sid_len, tw_psk,	 tw_h_on,   tw_h_iv,
	tw_h_to,     tw_h_rise, tw_h_fall, tw_admin,   tw_resume, tw_name, tw_sid,
};

static void
test_round_trip(void **state)
{
	size_t i;
	char err[512];
	char *text, *text2;

	(void)state;
	cp_config_init(&cfg);
	cp_test_apply(&cfg, rich);
	assert_int_equal(cp_config_validate(&cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.n_services, 4);
	assert_int_equal(cfg.n_backends, 8);
	/* Pending resets are not configuration: not saved, not compared, cleared by a load. */
	assert_int_equal(cfg.pending.n_resets, 1);

	text = cp_test_save(&cfg);
	assert_non_null(strstr(text, "\nservice set 10.0.0.10:443 session-lifetime 3600 "
				     "hello-timeout 7 keyname-len 4 server-id-len 2 "
				     "psk-server-id on\n"
				     "service health 10.0.0.10:443 on interval 500 timeout 250 rise 3 "
				     "fall 4\n"
				     "backend add 10.0.0.10:443 10.1.0.11:443 weight 1 name s-1\n"
				     "backend set 10.0.0.10:443 10.1.0.11:443 server-id beef\n"
				     "backend drain 10.0.0.10:443 10.1.0.11:443 resumptions\n"
				     "backend add 10.0.0.10:443 10.3.0.13:443 weight 7\n"
				     "backend set 10.0.0.10:443 10.3.0.13:443 server-id 0001\n"
				     "backend drain 10.0.0.10:443 10.3.0.13:443\n"
				     "backend add 10.0.0.10:443 198.51.100.5:443 weight 2 name far\n"
				     "service add 10.0.0.11:443"));
	assert_non_null(strstr(text, "\nbackend disable 10.0.0.11:443 10.2.3.4:443\n"));
	assert_null(strstr(text, " reset\n"));
	assert_null(strstr(text, "10.1.0.51"));
	if (load_text(&cfg2, text, 0, err, sizeof(err)) != 0)
		fail_msg("%s\n--- saved:\n%s", err, text);
	assert_true(cp_config_equal(&cfg, &cfg2));
	assert_int_equal(cfg2.pending.n_resets, 0);
	memset(&cfg.pending, 0, sizeof(cfg.pending));
	cp_assert_same_config(&cfg, &cfg2);
	/* And the text is a fixed point. */
	text2 = cp_test_save(&cfg2);
	assert_string_equal(text, text2);
	free(text);
	free(text2);

	/* The compare function does see a difference, in every field, but not in pending. */
	cfg2.backends[3].weight++;
	assert_false(cp_config_equal(&cfg, &cfg2));
	for (i = 0; i < N(tweaks); i++) {
		cfg2 = cfg;
		assert_true(cp_config_equal(&cfg, &cfg2));
		tweaks[i](&cfg2);
		assert_false(cp_config_equal(&cfg, &cfg2));
	}
	cfg2 = cfg;
	cfg2.pending.n_resets = 3;
	cfg2.pending.reset[2].port = 9;
	assert_true(cp_config_equal(&cfg, &cfg2));
}

/* The canonical text, for the base config. */
static const char base_saved[] = "port add c dev net_ring0 role client\n"
				 "port add s dev net_ring1 role server\n"
				 "port add b dev net_null0 role both\n"
				 "address add 10.0.0.1/24 port c\n"
				 "address add 10.1.0.1/24 port s snat\n"
				 "route add 192.168.0.0/16 via 10.1.0.254 port s\n"
				 "neigh add 10.1.0.11 lladdr 02:00:00:01:00:0b port s\n"
				 "set timeout syn 5\n"
				 "set timeout established 900\n"
				 "set timeout closing 30\n"
				 "set timeout reset 5\n"
				 "set timeout neigh 300\n"
				 "set timeout hello 5\n"
				 "set limit flows 1048576\n"
				 "set limit neigh-queue 64\n"
				 "set snat-ports 1024-65535\n"
				 "service add 10.0.0.10:443 mode l4 nat two-arm sched wrr\n"
				 "service set 10.0.0.10:443 session-lifetime 86400 hello-timeout 0 "
				 "keyname-len 16 server-id-len 0 psk-server-id off\n"
				 "service health 10.0.0.10:443 off interval 2000 timeout 1000 rise 2 "
				 "fall 3\n"
				 "backend add 10.0.0.10:443 10.1.0.11:443 weight 1\n"
				 "service add 10.0.0.10:80 mode l4 nat two-arm sched wrr\n"
				 "service set 10.0.0.10:80 session-lifetime 86400 hello-timeout 0 "
				 "keyname-len 16 server-id-len 0 psk-server-id off\n"
				 "service health 10.0.0.10:80 off interval 2000 timeout 1000 rise 2 "
				 "fall 3\n";

static void
test_save_text(void **state)
{
	char *text;
	FILE *full;

	(void)state;
	cp_test_base_config(&cfg);
	text = cp_test_save(&cfg);
	assert_string_equal(text, base_saved);
	free(text);

	/* A write error is reported. */
	full = fopen("/dev/full", "w");
	if (full != NULL) {
		assert_int_equal(cp_config_save(&cfg, full), -EIO);
		fclose(full);
	}

	/* A config the grammar cannot build is refused, not printed half. */
	cfg2 = cfg;
	cfg2.backends[0].service = 7;
	assert_int_equal(cp_config_save(&cfg2, stdout), -EINVAL);
	cfg2 = cfg;
	cfg2.services[1].nat = 9;
	assert_int_equal(cp_config_save(&cfg2, stdout), -EINVAL);
	cfg2 = cfg;
	cfg2.ports[0].role = 0;
	assert_int_equal(cp_config_save(&cfg2, stdout), -EINVAL);
}

/* A small deterministic generator: the same run every time. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* "VIP:PORT IP:PORT" of a backend of @c (mostly one that exists), for the backend commands. */
static const char *
some_backend(const struct cp_config *c, char *buf, size_t len)
{
	char v[CP_ENDPOINT_STRLEN], e[CP_ENDPOINT_STRLEN];
	const struct cp_backend *be;

	if (c->n_backends == 0 || rnd(4) == 0) {
		snprintf(buf, len, "10.9.0.%u:%u 10.%u.0.%u:443", rnd(3) + 1, rnd(2) + 80, rnd(4),
			 rnd(12) + 10);
		return buf;
	}
	be = &c->backends[rnd(c->n_backends)];
	snprintf(buf, len, "%s %s",
		 cp_endpoint_str(&c->services[be->service].vip, c->services[be->service].port, v,
				 sizeof(v)),
		 cp_endpoint_str(&be->ip, be->port, e, sizeof(e)));
	return buf;
}

static void
random_line(char *b, size_t n)
{
	char ref[64];
	/* Small pools of names and addresses, so that duplicates and misses happen. */
	static const char *const ports[] = { "c", "s", "b", "x" };
	static const char *const roles[] = { "client", "server", "both" };
	static const char *const modes[] = { "", " mode l4", " mode tls" };
	static const char *const nats[] = { "", " nat two-arm", " nat full" };
	static const char *const svc_opts[] = {
		" mode tls",	      " mode l4",	   " session-lifetime 60",
		" hello-timeout 0",   " hello-timeout 9",  " keyname-len 4",
		" server-id-len 0",   " server-id-len 2",  " psk-server-id on",
		" psk-server-id off", " sched wrr",	   "",
	};
	static const char *const health[] = { "on", "off", "on interval 300 timeout 300",
					      "off rise 5 fall 1", "on timeout 5000" };
	static const char *const be_opts[] = { " weight 3", " name n1", " name n2",
					       " server-id 0102", " server-id none",
					       " server-id 0a", "" };
	static const char *const admin[] = { "drain", "drain", "undrain", "disable", "enable" };
	static const char *const del[] = { "", " reset" };

	switch (rnd(17)) {
	case 12:
		snprintf(b, n, "service set 10.9.0.%u:%u%s%s", rnd(3) + 1, rnd(2) + 80,
			 svc_opts[rnd(N(svc_opts))], svc_opts[rnd(N(svc_opts))]);
		return;
	case 13:
		snprintf(b, n, "service health 10.9.0.%u:%u %s", rnd(3) + 1, rnd(2) + 80,
			 health[rnd(N(health))]);
		return;
	case 14:
		snprintf(b, n, "backend set %s%s%s", some_backend(&cfg, ref, sizeof(ref)),
			 be_opts[rnd(N(be_opts))], be_opts[rnd(N(be_opts))]);
		return;
	case 15:
	{
		const char *verb = admin[rnd(N(admin))];

		/* Mostly well-formed: resumptions belongs to drain. */
		snprintf(b, n, "backend %s %s%s", verb, some_backend(&cfg, ref, sizeof(ref)),
			 rnd(strcmp(verb, "drain") == 0 ? 2 : 8) == 0 ? " resumptions" : "");
	}
		return;
	case 16:
		snprintf(b, n, "backend del %s%s", some_backend(&cfg, ref, sizeof(ref)),
			 del[rnd(2)]);
		return;
	case 0:
		snprintf(b, n, "port add %s dev d%u role %s", ports[rnd(4)], rnd(6), roles[rnd(3)]);
		break;
	case 1:
		snprintf(b, n, "address add 10.%u.0.%u/24 port %s%s", rnd(4), rnd(3) + 1,
			 ports[rnd(4)], rnd(2) ? " snat" : "");
		break;
	case 2:
		snprintf(b, n, "address del 10.%u.0.%u", rnd(4), rnd(3) + 1);
		break;
	case 3:
		snprintf(b, n, "route add 172.%u.0.0/16 via 10.%u.0.254 port %s", rnd(4), rnd(4),
			 ports[rnd(4)]);
		break;
	case 4:
		snprintf(b, n, "route del 172.%u.0.0/16", rnd(4));
		break;
	case 5:
		snprintf(b, n, "neigh add 10.%u.0.%u lladdr 02:00:00:00:00:%02x port %s", rnd(4),
			 rnd(8) + 1, rnd(256), ports[rnd(4)]);
		break;
	case 6:
		snprintf(b, n, "neigh del 10.%u.0.%u", rnd(4), rnd(8) + 1);
		break;
	case 7:
		snprintf(b, n, "service add 10.9.0.%u:%u%s%s", rnd(3) + 1, rnd(2) + 80,
			 modes[rnd(3)], nats[rnd(3)]);
		break;
	case 8:
		snprintf(b, n, "service del 10.9.0.%u:%u", rnd(3) + 1, rnd(2) + 80);
		break;
	case 9:
	case 10:
		snprintf(b, n, "backend add 10.9.0.%u:%u 10.%u.0.%u:443 weight %u", rnd(3) + 1,
			 rnd(2) + 80, rnd(4), rnd(12) + 10, rnd(5));
		break;
	default:
		snprintf(b, n, "backend del 10.9.0.%u:%u 10.%u.0.%u:443", rnd(3) + 1, rnd(2) + 80,
			 rnd(4), rnd(12) + 10);
		break;
	}
}

/* Any sequence of commands, successes and failures mixed, saves to lines that rebuild it. */
static void
test_random_round_trip(void **state)
{
	/* The new commands must succeed often enough to mean something too. */
	static const char *const kinds[] = { "service set ",  "service health ", "backend set ",
					     "backend drain ", "backend undrain ", "backend disable ",
					     "backend enable ", "backend del " };
	unsigned round, ok = 0, failed = 0, kind_ok[N(kinds)] = { 0 }, k;

	(void)state;
	for (round = 0; round < 20; round++) {
		char line[256], err[512];
		char *text, *save = NULL, *l;
		unsigned i;

		cp_config_init(&cfg);
		for (i = 0; i < 200; i++) {
			random_line(line, sizeof(line));
			before = cfg;
			if (cp_config_apply_line(&cfg, line, err, sizeof(err)) == 0) {
				ok++;
				for (k = 0; k < N(kinds); k++)
					kind_ok[k] += strncmp(line, kinds[k], strlen(kinds[k])) == 0;
				continue;
			}
			failed++;
			assert_true(err[0] != '\0');
			cp_assert_same_config(&cfg, &before);
		}
		/* Replay line by line: a random config need not pass the whole-config checks. */
		text = cp_test_save(&cfg);
		memset(&cfg.pending, 0, sizeof(cfg.pending)); /* not saved */
		cp_config_init(&cfg2);
		for (l = strtok_r(text, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save))
			if (cp_config_apply_line(&cfg2, l, err, sizeof(err)) != 0)
				fail_msg("round %u: \"%s\": %s", round, l, err);
		cp_assert_same_config(&cfg, &cfg2);
		free(text);
	}
	/* The generator must exercise both outcomes for this test to mean anything. */
	assert_true(ok > 500);
	assert_true(failed > 500);
	for (k = 0; k < N(kinds); k++) {
		print_message("# %s: %u applied\n", kinds[k], kind_ok[k]);
		assert_true(kind_ok[k] >= 5);
	}
}

/*
 * Every prefix of every good line, and every good line with one byte replaced
 * or removed: must not crash, may fail, and a failure changes nothing.
 */
static void
try_line(const struct cp_config *state, const char *line)
{
	char err[512] = "";
	int rc;

	cfg2 = *state;
	rc = cp_config_apply_line(&cfg2, line, err, sizeof(err));
	if (rc == 0)
		return;
	assert_true(rc < 0);
	assert_true(err[0] != '\0');
	cp_assert_same_config(&cfg2, state);
}

static void
test_prefixes_and_mutations(void **state)
{
	static const char subst[] = " \t#:/.-0x9,";
	unsigned i;

	(void)state;
	cp_config_init(&cfg);
	for (i = 0; rich[i] != NULL; i++) {
		const char *good = rich[i];
		size_t len = strlen(good), k, j;
		char buf[CP_TEST_N("x") + 300];
		char err[512];

		for (k = 0; k <= len; k++) {
			memcpy(buf, good, k);
			buf[k] = '\0';
			try_line(&cfg, buf);
		}
		for (k = 0; k < len; k++) {
			for (j = 0; j < sizeof(subst) - 1; j++) {
				strcpy(buf, good);
				buf[k] = subst[j];
				try_line(&cfg, buf);
			}
			memcpy(buf, good, k);
			strcpy(buf + k, good + k + 1);
			try_line(&cfg, buf);
		}
		/* Then the line itself, so the next one meets the state it was written for. */
		if (cp_config_apply_line(&cfg, good, err, sizeof(err)) != 0)
			fail_msg("%s: %s", good, err);
	}
}

static void
check_ip(const struct cp_ip *ip, const char *text)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, text, &a), 1);
	assert_int_equal(ip->v4, a.s_addr);
}

static void
test_example(void **state)
{
	char err[512];
	char *text;

	(void)state;
	if (example_path == NULL)
		fail_msg("usage: test_cp_load PATH-TO-tlslb.conf.example");
	if (cp_config_load(&cfg, example_path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(cfg.n_ports, 2);
	assert_int_equal(cfg.ports[0].role, CP_ROLE_CLIENT);
	assert_int_equal(cfg.ports[1].role, CP_ROLE_SERVER);
	assert_int_equal(cfg.n_services, 1);
	check_ip(&cfg.services[0].vip, "10.99.0.10");
	assert_int_equal(cfg.services[0].port, 443);
	assert_int_equal(cfg.services[0].nat, CP_NAT_TWO_ARM);
	assert_int_equal(cfg.n_backends, 2);
	check_ip(&cfg.backends[0].ip, "10.99.1.11");
	check_ip(&cfg.backends[1].ip, "10.99.1.12");
	assert_int_equal(cfg.backends[0].port, 443);
	assert_int_equal(cfg.backends[1].port, 443);
	assert_int_equal(cfg.backends[0].service, 0);
	assert_int_equal(cfg.backends[1].service, 0);
	assert_string_equal(cfg.backends[0].name, "s1");
	assert_string_equal(cfg.backends[1].name, "s2");
	assert_int_equal(cfg.services[0].session_lifetime, 86400);

	text = cp_test_save(&cfg);
	assert_int_equal(load_text(&cfg2, text, 0, err, sizeof(err)), 0);
	cp_assert_same_config(&cfg, &cfg2);
	free(text);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_load_path),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_save_text),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_settings),
		cmocka_unit_test(test_random_round_trip),
		cmocka_unit_test(test_prefixes_and_mutations),
		cmocka_unit_test(test_example),
	};

	if (argc > 1)
		example_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
