/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * keys commands: where the ticket-key service listens, the key policy of a
 * service, and which agent identity fetches the keys of a backend. The
 * manager (cp_keys.c) reads these fields; nothing here touches keys.
 */
#include "cp_cmd_keys.h"

#include <errno.h>
#include <string.h>

#include "cp_addr.h"
#include "cp_handlers.h"
#include "cp_keys.h"

const char *const cp_keys_policy_words[] = { "auto", "per-server", "fleet-shared", "off", NULL };
const char *const cp_keys_format_words[] = { "openssl", "nginx", "haproxy", NULL };
const char *const cp_keys_aes_words[] = { "128", "256", NULL };

static int
copy_path(char *dst, const struct cp_value *v, const char *what, struct cp_err *e)
{
	size_t n = strlen(v->str);

	if (n >= CP_KEYS_PATH_MAX)
		return cp_errf(e, EINVAL, "%s: path longer than %d characters", what,
			       CP_KEYS_PATH_MAX - 1);
	memcpy(dst, v->str, n + 1);
	return 0;
}

int
cp_cmd_keys_listen(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	struct cp_keys_conf kc;

	memset(&kc, 0, sizeof(kc));
	kc.listen = true;
	kc.ip = a->v[ARG_KL_EP].ip;
	kc.port = a->v[ARG_KL_EP].port;
	if (copy_path(kc.ca, &a->v[ARG_KL_CA], "ca", e) < 0 ||
	    copy_path(kc.cert, &a->v[ARG_KL_CERT], "cert", e) < 0 ||
	    copy_path(kc.key, &a->v[ARG_KL_KEY], "key", e) < 0 ||
	    copy_path(kc.state, &a->v[ARG_KL_STATE], "state", e) < 0)
		return -EINVAL;
	cfg->keys = kc;
	return 0;
}

static int
service_of(const struct cp_config *cfg, const struct cp_value *v, struct cp_err *e)
{
	char s[CP_ENDPOINT_STRLEN];
	int idx = cp_service_index(cfg, &v->ip, v->port);

	if (idx < 0)
		return cp_errf(e, ENOENT, "no service %s",
			       cp_endpoint_str(&v->ip, v->port, s, sizeof(s)));
	return idx;
}

int
cp_cmd_keys_service(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	struct cp_service_keys sk;
	int svc = service_of(cfg, &a->v[ARG_KS_SVC], e);

	if (svc < 0)
		return svc;
	/* Options not given keep their value: `keys service X rotate 60` changes one thing. */
	sk = cfg->services[svc].keys;
	if (a->set[ARG_KS_POLICY])
		sk.policy = (uint8_t)a->v[ARG_KS_POLICY].u;
	if (a->set[ARG_KS_ROTATE])
		sk.rotate = a->v[ARG_KS_ROTATE].u;
	if (a->set[ARG_KS_LIFETIME])
		sk.lifetime = a->v[ARG_KS_LIFETIME].u;
	if (a->set[ARG_KS_RETAIN])
		sk.retain = a->v[ARG_KS_RETAIN].u;
	if (a->set[ARG_KS_AES])
		sk.aes_bits = a->v[ARG_KS_AES].u == 0 ? 128 : 0;
	cfg->services[svc].keys = sk;
	return 0;
}

static int
backend_of(const struct cp_config *cfg, unsigned svc, const struct cp_value *v, struct cp_err *e)
{
	char s[CP_ENDPOINT_STRLEN];
	unsigned i;

	for (i = 0; i < cfg->n_backends; i++) {
		const struct cp_backend *b = &cfg->backends[i];

		if (b->service == svc && b->port == v->port && cp_ip_equal(&b->ip, &v->ip))
			return (int)i;
	}
	return cp_errf(e, ENOENT, "no backend %s in that service",
		       cp_endpoint_str(&v->ip, v->port, s, sizeof(s)));
}

int
cp_cmd_keys_agent(struct cp_config *cfg, const struct cp_args *a, struct cp_err *e)
{
	char s[CP_ENDPOINT_STRLEN];
	const char *cn;
	int svc, be;
	unsigned i;

	svc = service_of(cfg, &a->v[ARG_KA_SVC], e);
	if (svc < 0)
		return svc;
	be = backend_of(cfg, (unsigned)svc, &a->v[ARG_KA_BE], e);
	if (be < 0)
		return be;
	if (a->set[ARG_KA_OFF]) {
		if (a->set[ARG_KA_CN] || a->set[ARG_KA_FORMAT])
			return cp_errf(e, EINVAL, "\"off\" takes no cn or format");
		memset(&cfg->backends[be].keys, 0, sizeof(cfg->backends[be].keys));
		return 0;
	}
	if (!a->set[ARG_KA_CN] || !a->set[ARG_KA_FORMAT])
		return cp_errf(e, EINVAL, "needs \"cn NAME\" and \"format\" (or \"off\")");
	cn = a->v[ARG_KA_CN].str;
	if (strlen(cn) >= CP_KEYS_CN_MAX)
		return cp_errf(e, EINVAL, "cn longer than %d characters", CP_KEYS_CN_MAX - 1);
	/* An identity serves one backend: the key service maps a certificate to it. */
	for (i = 0; i < cfg->n_backends; i++) {
		const struct cp_backend *b = &cfg->backends[i];

		if ((int)i != be && b->keys.format != 0 && strcmp(b->keys.cn, cn) == 0)
			return cp_errf(e, EEXIST, "cn \"%s\" already serves backend %s", cn,
				       cp_endpoint_str(&b->ip, b->port, s, sizeof(s)));
	}
	if (cfg->backends[be].keys.format == 0) {
		unsigned agents = 0;

		for (i = 0; i < cfg->n_backends; i++)
			agents += cfg->backends[i].service == (unsigned)svc &&
				  cfg->backends[i].keys.format != 0;
		if (agents >= CP_KEYS_MAX_MEMBERS)
			return cp_errf(e, ENOSPC, "a service has at most %d key agents",
				       CP_KEYS_MAX_MEMBERS);
	}
	memset(&cfg->backends[be].keys, 0, sizeof(cfg->backends[be].keys));
	memcpy(cfg->backends[be].keys.cn, cn, strlen(cn) + 1);
	cfg->backends[be].keys.format = (uint8_t)(a->v[ARG_KA_FORMAT].u + 1);
	return 0;
}

static bool
service_keys_set(const struct cp_service_keys *sk)
{
	return sk->policy != 0 || sk->aes_bits != 0 || sk->rotate != 0 || sk->lifetime != 0 ||
	       sk->retain != 0;
}

void
cp_keys_conf_save(const struct cp_config *cfg, FILE *out)
{
	char v[CP_ENDPOINT_STRLEN], b[CP_ENDPOINT_STRLEN];
	const struct cp_keys_conf *kc = &cfg->keys;
	unsigned i;

	if (kc->listen)
		fprintf(out, "keys listen %s ca %s cert %s key %s state %s\n",
			cp_endpoint_str(&kc->ip, kc->port, v, sizeof(v)), kc->ca, kc->cert,
			kc->key, kc->state);
	for (i = 0; i < cfg->n_services; i++) {
		const struct cp_service_keys *sk = &cfg->services[i].keys;

		if (!service_keys_set(sk) || sk->policy > CP_KEYS_POLICY_OFF)
			continue;
		fprintf(out, "keys service %s policy %s",
			cp_endpoint_str(&cfg->services[i].vip, cfg->services[i].port, v,
					sizeof(v)),
			cp_keys_policy_words[sk->policy]);
		if (sk->rotate != 0)
			fprintf(out, " rotate %u", sk->rotate);
		if (sk->lifetime != 0)
			fprintf(out, " lifetime %u", sk->lifetime);
		if (sk->retain != 0)
			fprintf(out, " retain %u", sk->retain);
		if (sk->aes_bits != 0)
			fprintf(out, " aes %u", sk->aes_bits);
		fputc('\n', out);
	}
	for (i = 0; i < cfg->n_backends; i++) {
		const struct cp_backend *be = &cfg->backends[i];
		const struct cp_service *sv;

		if (be->keys.format == 0 || be->keys.format > CP_KEYS_FMT_HAPROXY ||
		    be->service >= cfg->n_services)
			continue;
		sv = &cfg->services[be->service];
		fprintf(out, "keys agent %s %s cn %s format %s\n",
			cp_endpoint_str(&sv->vip, sv->port, v, sizeof(v)),
			cp_endpoint_str(&be->ip, be->port, b, sizeof(b)), be->keys.cn,
			cp_keys_format_words[be->keys.format - 1]);
	}
}

bool
cp_keys_conf_equal(const struct cp_config *a, const struct cp_config *b)
{
	const struct cp_keys_conf *x = &a->keys, *y = &b->keys;
	unsigned i;

	if (x->listen != y->listen)
		return false;
	if (x->listen && (!cp_ip_equal(&x->ip, &y->ip) || x->port != y->port ||
			  strcmp(x->ca, y->ca) != 0 || strcmp(x->cert, y->cert) != 0 ||
			  strcmp(x->key, y->key) != 0 || strcmp(x->state, y->state) != 0))
		return false;
	for (i = 0; i < a->n_services && i < b->n_services; i++) {
		const struct cp_service_keys *p = &a->services[i].keys, *q = &b->services[i].keys;

		if (p->policy != q->policy || p->aes_bits != q->aes_bits ||
		    p->rotate != q->rotate || p->lifetime != q->lifetime || p->retain != q->retain)
			return false;
	}
	for (i = 0; i < a->n_backends && i < b->n_backends; i++) {
		const struct cp_backend_keys *p = &a->backends[i].keys, *q = &b->backends[i].keys;

		if (p->format != q->format || strcmp(p->cn, q->cn) != 0)
			return false;
	}
	return true;
}
