// SPDX-License-Identifier: GPL-2.0
/*
 * ktund's TLS engine on mbedTLS 2.28 (see tls.h for the contract).
 *
 * mbedTLS 2.28 exports keys through a callback on the shared config, not
 * per connection; the engine runs each handshake step synchronously, so a
 * thread-local pointer names the handshake the callback belongs to.
 *
 * What several threads share, and what protects it, is listed in tls.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <linux/ktun.h>

#include <mbedtls/asn1.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_internal.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include "tls.h"

#if MBEDTLS_VERSION_MAJOR != 2
#error "this engine is written for mbedTLS 2.28; 3.x needs the per-connection export callback"
#endif

/* The suites ktun offers, with the kTLS cipher each one maps to. */
static const struct {
	int id;
	uint32_t cipher;
	unsigned int key_len, iv_len;
} kt_suites[] = {
	{ MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, KTUN_CIPHER_AES_128_GCM, 16, 4 },
	{ MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, KTUN_CIPHER_AES_128_GCM, 16, 4 },
	{ MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, KTUN_CIPHER_AES_256_GCM, 32, 4 },
	{ MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, KTUN_CIPHER_AES_256_GCM, 32, 4 },
	{ MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, KTUN_CIPHER_CHACHA20_POLY1305, 32, 12 },
	{ MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, KTUN_CIPHER_CHACHA20_POLY1305, 32, 12 },
};
#define KT_N_SUITES (sizeof(kt_suites) / sizeof(kt_suites[0]))
#define KT_N_MASKS (KTUN_CIPHER_MASK + 1)	/* a config per role and cipher subset */

/*
 * Session resumption (RFC 5077 tickets and session IDs, TLS 1.2).  A
 * client keeps the last session of each peer, under the key the caller
 * names (kt_hs_params.resume_key); a server keeps sessions by ID and
 * issues tickets sealed with keys mbedTLS rotates every lifetime and
 * wipes when they go.  A resumed handshake still checks the peer: its
 * certificate, kept in the session, must be valid now and carry one of
 * the identities accepted now (kt_hs_finish()).
 */
#define KT_RESUME_SLOTS		1024	/* client: peers remembered */
#define KT_CACHE_ENTRIES	4096	/* server: sessions by ID */

struct kt_resume {
	char key[64];
	bool used;
	time_t stored;
	unsigned long gen;		/* which session this is; 0 when unused */
	mbedtls_ssl_session session;
};

/*
 * Set up by one thread (kt_tls_conf_new(), kt_tls_conf_resumption()),
 * then shared by every thread's handshakes: what they may change is
 * under a lock, theirs or mbedTLS's.
 */
struct kt_tls_conf {
	mbedtls_entropy_context entropy;	/* locks itself */
	mbedtls_ctr_drbg_context drbg;		/* locks itself */
	mbedtls_x509_crt ca, cert;
	mbedtls_pk_context key;			/* an RSA key locks itself */
	int suites[KT_N_MASKS][KT_N_SUITES + 1];	/* per cipher mask, at load */
	unsigned int lifetime;			/* s; 0: no resumption */
	mbedtls_ssl_cache_context cache;	/* server; locks itself */
	mbedtls_ssl_ticket_context ticket;	/* server; locks itself */
	bool ticket_ready;
	/*
	 * @lock protects @ssl and @built.  A config is built on first use,
	 * [server][cipher mask], and only read from then on: handshakes
	 * keep a pointer to it past the lock.
	 */
	pthread_mutex_t lock;
	mbedtls_ssl_config *ssl[2][KT_N_MASKS];
	bool built;				/* a config exists: too late */
	/*
	 * @resume_lock protects the slots of @resume (client,
	 * KT_RESUME_SLOTS, allocated at set-up), @resume_next (the slot to
	 * reuse next) and @resume_gen (the last session's generation).
	 */
	pthread_mutex_t resume_lock;
	struct kt_resume *resume;
	unsigned int resume_next;
	unsigned long resume_gen;
};

struct kt_hs {
	mbedtls_ssl_context ssl;
	struct kt_tls_conf *conf;
	char **idents;
	unsigned int n_idents;
	unsigned int mask;		/* KTUN_CIPHER_* allowed */
	const uint8_t *in;		/* the record being fed */
	size_t in_len, in_off;
	struct kt_buf *out;
	bool done, failed, have_keys, ems, resumed;
	struct kt_resume *slot;		/* client: the session offered, */
	unsigned long slot_gen;		/* while the slot still holds it */
	char resume_key[64];
	unsigned char kb[2 * 32 + 2 * 12];	/* client/server key, iv */
	unsigned int key_len, iv_len;
	char peer[KTUN_IDENT_MAX_LEN + 5];
	char error[256];
};

/* The handshake whose step is running on this thread (see the top). */
static __thread struct kt_hs *kt_current;

static void kt_err(char *err, size_t len, const char *what, int ret)
{
	char buf[128];

	mbedtls_strerror(ret, buf, sizeof(buf));
	snprintf(err, len, "%s: %s", what, buf);
}

static int kt_export_keys(void *p, const unsigned char *ms,
			  const unsigned char *kb, size_t maclen, size_t keylen,
			  size_t ivlen, const unsigned char client_random[32],
			  const unsigned char server_random[32],
			  mbedtls_tls_prf_types prf)
{
	struct kt_hs *hs = kt_current;

	(void)p, (void)ms, (void)client_random, (void)server_random, (void)prf;
	if (!hs || maclen || keylen > 32 || ivlen > 12)
		return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	hs->ems = hs->ssl.handshake &&
		  hs->ssl.handshake->extended_ms == MBEDTLS_SSL_EXTENDED_MS_ENABLED;
	hs->resumed = hs->ssl.handshake && hs->ssl.handshake->resume;
	memcpy(hs->kb, kb, 2 * keylen + 2 * ivlen);
	hs->key_len = keylen;
	hs->iv_len = ivlen;
	hs->have_keys = true;
	return 0;
}

/* mbedTLS says only "Read/write of file failed": name the file and why. */
static int kt_readable(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");

	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	fclose(f);
	return 0;
}

static int kt_load(struct kt_tls_conf *c, const char *ca, const char *cert,
		   const char *key, char *err, size_t errlen)
{
	int ret;

	if (kt_readable(ca, err, errlen) || kt_readable(cert, err, errlen) ||
	    kt_readable(key, err, errlen))
		return -1;

	ret = mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy,
				    (const unsigned char *)"ktund", 5);
	if (ret) {
		kt_err(err, errlen, "seeding the random generator", ret);
		return -1;
	}
	ret = mbedtls_x509_crt_parse_file(&c->ca, ca);
	if (ret) {
		kt_err(err, errlen, ca, ret);
		return -1;
	}
	ret = mbedtls_x509_crt_parse_file(&c->cert, cert);
	if (ret) {
		kt_err(err, errlen, cert, ret);
		return -1;
	}
	ret = mbedtls_pk_parse_keyfile(&c->key, key, NULL);
	if (ret) {
		kt_err(err, errlen, key, ret);
		return -1;
	}
	ret = mbedtls_pk_check_pair(&c->cert.pk, &c->key);
	if (ret) {
		kt_err(err, errlen, "certificate and key do not match", ret);
		return -1;
	}
	return 0;
}

/* Each cipher mask's suites, 0-terminated (the calloc'd row ends in 0). */
static void kt_suites_fill(struct kt_tls_conf *c)
{
	unsigned int mask, i, n;

	for (mask = 0; mask < KT_N_MASKS; mask++)
		for (i = n = 0; i < KT_N_SUITES; i++)
			if (kt_suites[i].cipher & mask)
				c->suites[mask][n++] = kt_suites[i].id;
}

struct kt_tls_conf *kt_tls_conf_new(const char *ca_file, const char *cert_file,
				    const char *key_file, char *err, size_t errlen)
{
	struct kt_tls_conf *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	mbedtls_entropy_init(&c->entropy);
	mbedtls_ctr_drbg_init(&c->drbg);
	mbedtls_x509_crt_init(&c->ca);
	mbedtls_x509_crt_init(&c->cert);
	mbedtls_pk_init(&c->key);
	mbedtls_ssl_cache_init(&c->cache);
	mbedtls_ssl_ticket_init(&c->ticket);
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->resume_lock, NULL);
	kt_suites_fill(c);
	if (kt_load(c, ca_file, cert_file, key_file, err, errlen)) {
		kt_tls_conf_free(c);
		return NULL;
	}
	return c;
}

void kt_tls_conf_free(struct kt_tls_conf *c)
{
	int s, m;

	if (!c)
		return;
	for (s = 0; s < 2; s++) {
		for (m = 0; m < KT_N_MASKS; m++) {
			if (c->ssl[s][m])
				mbedtls_ssl_config_free(c->ssl[s][m]);
			free(c->ssl[s][m]);
		}
	}
	if (c->resume) {
		for (s = 0; s < KT_RESUME_SLOTS; s++)
			mbedtls_ssl_session_free(&c->resume[s].session);
		free(c->resume);
	}
	mbedtls_ssl_ticket_free(&c->ticket);	/* wipes the ticket keys */
	mbedtls_ssl_cache_free(&c->cache);
	mbedtls_pk_free(&c->key);
	mbedtls_x509_crt_free(&c->cert);
	mbedtls_x509_crt_free(&c->ca);
	mbedtls_ctr_drbg_free(&c->drbg);
	mbedtls_entropy_free(&c->entropy);
	pthread_mutex_destroy(&c->resume_lock);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* Does @name (of SAN type @type) equal one of the accepted identities? */
static bool kt_ident_ok(struct kt_hs *hs, const char *type,
			const unsigned char *name, size_t len)
{
	unsigned int i;
	size_t tl = strlen(type);

	for (i = 0; i < hs->n_idents; i++) {
		const char *id = hs->idents[i];

		if (strncmp(id, type, tl) || strlen(id + tl) != len)
			continue;
		/* DNS names compare without case, URIs exactly. */
		if (type[0] == 'd' ? !strncasecmp(id + tl, (const char *)name, len) :
		    !memcmp(id + tl, name, len)) {
			snprintf(hs->peer, sizeof(hs->peer), "%s", id);
			return true;
		}
	}
	return false;
}

/* Walks the GeneralNames of a subjectAltName extension value. */
static bool kt_san_names_ok(struct kt_hs *hs, unsigned char *p,
			    const unsigned char *end)
{
	size_t len;

	if (mbedtls_asn1_get_tag(&p, end, &len,
				 MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
		return false;
	while (p < end) {
		unsigned char tag = *p++;

		if (mbedtls_asn1_get_len(&p, end, &len))
			return false;
		if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_DNS_NAME) &&
		    kt_ident_ok(hs, "dns:", p, len))
			return true;
		if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC |
			    MBEDTLS_X509_SAN_UNIFORM_RESOURCE_IDENTIFIER) &&
		    kt_ident_ok(hs, "uri:", p, len))
			return true;
		p += len;
	}
	return false;
}

/*
 * mbedTLS 2.28 lists only DNS and otherName SANs, so the extension is
 * read from the raw v3 extensions: SEQUENCE OF { OID, [BOOL], OCTETS }.
 */
static bool kt_peer_ok(struct kt_hs *hs, const mbedtls_x509_crt *crt)
{
	unsigned char *p = crt->v3_ext.p, *end = p + crt->v3_ext.len, *ext_end;
	size_t len;
	int crit;

	if (!p || mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED |
				       MBEDTLS_ASN1_SEQUENCE))
		return false;
	while (p < end) {
		if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED |
					 MBEDTLS_ASN1_SEQUENCE))
			return false;
		ext_end = p + len;
		if (mbedtls_asn1_get_tag(&p, ext_end, &len, MBEDTLS_ASN1_OID))
			return false;
		if (len == MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME) &&
		    !memcmp(p, MBEDTLS_OID_SUBJECT_ALT_NAME, len)) {
			p += len;
			mbedtls_asn1_get_bool(&p, ext_end, &crit);
			if (mbedtls_asn1_get_tag(&p, ext_end, &len,
						 MBEDTLS_ASN1_OCTET_STRING))
				return false;
			return kt_san_names_ok(hs, p, p + len);
		}
		p = ext_end;
	}
	return false;
}

/* Is @suite (an mbedTLS id) one of ours with a cipher in @mask? */
static bool kt_suite_allowed(int suite, unsigned int mask)
{
	unsigned int i;

	for (i = 0; i < KT_N_SUITES; i++)
		if (kt_suites[i].id == suite)
			return kt_suites[i].cipher & mask;
	return false;
}

/*
 * May @s be resumed with the peer @hs accepts now?  Its certificate must
 * be valid now and carry an accepted identity, as a new one would, and
 * its suite have a cipher @hs allows.  mbedTLS checks neither: a client
 * offers any session, and a server taking a ticket answers with the suite
 * it picks from its list now, not the session's, while the client, seeing
 * another suite than its session's, expects a full handshake - the two
 * disagree and the handshake fails (then the client forgets the session).
 * So a policy's narrowed cipher list costs a full handshake, not a failed
 * one; a widened one can still fail once, if the server now prefers
 * another suite.
 */
static bool kt_session_ok(struct kt_hs *hs, const mbedtls_ssl_session *s)
{
	const mbedtls_x509_crt *crt = s->peer_cert;

	return crt && kt_suite_allowed(s->ciphersuite, hs->mask) &&
	       !mbedtls_x509_time_is_past(&crt->valid_to) &&
#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH)
	       s->mfl_code == MBEDTLS_SSL_MAX_FRAG_LEN_NONE &&
#endif
	       kt_peer_ok(hs, crt);
}

/*
 * Server: a session found by ID, or in a ticket, that the checks above
 * refuse is not resumed - mbedTLS runs a full handshake instead, whose
 * certificate is verified as usual.  Called inside kt_hs_step().
 */
static int kt_cache_get(void *cache, mbedtls_ssl_session *s)
{
	int ret = mbedtls_ssl_cache_get(cache, s);

	return ret || (kt_current && kt_session_ok(kt_current, s)) ? ret : 1;
}

static int kt_ticket_parse(void *ticket, mbedtls_ssl_session *s,
			   unsigned char *buf, size_t len)
{
	int ret = mbedtls_ssl_ticket_parse(ticket, s, buf, len);

	if (!ret && !(kt_current && kt_session_ok(kt_current, s)))
		ret = MBEDTLS_ERR_SSL_SESSION_TICKET_EXPIRED;
	return ret;
}

/*
 * The client's sessions, one slot per server (kt_hs_params.resume_key).
 * Handshakes on several threads find, store and forget them, all under
 * resume_lock; mbedTLS copies a session into a handshake and out of it,
 * so no handshake points into a slot's session once the lock is dropped.
 * It keeps only which session it offered: the slot and its generation,
 * to forget that session if the handshake fails, but not a newer one
 * another handshake stored there meanwhile.
 */

/* Drops a remembered session: its master secret is wiped. */
static void kt_resume_forget(struct kt_resume *r)
{
	mbedtls_ssl_session_free(&r->session);
	mbedtls_ssl_session_init(&r->session);
	r->used = false;
	r->gen = 0;
}

/* The slot holding @key's session, fresh or not, or NULL. */
static struct kt_resume *kt_resume_lookup(struct kt_tls_conf *c, const char *key)
{
	unsigned int i;

	for (i = 0; i < KT_RESUME_SLOTS; i++)
		if (c->resume[i].used && !strcmp(c->resume[i].key, key))
			return &c->resume[i];
	return NULL;
}

/* Remembers @hs's session under its key: in the key's slot or the next one. */
static void kt_resume_store(struct kt_hs *hs)
{
	struct kt_tls_conf *c = hs->conf;
	struct kt_resume *r;

	pthread_mutex_lock(&c->resume_lock);
	r = kt_resume_lookup(c, hs->resume_key);
	if (!r) {
		r = &c->resume[c->resume_next];
		c->resume_next = (c->resume_next + 1) % KT_RESUME_SLOTS;
	}
	kt_resume_forget(r);
	if (!mbedtls_ssl_get_session(&hs->ssl, &r->session)) {
		snprintf(r->key, sizeof(r->key), "%s", hs->resume_key);
		r->stored = time(NULL);
		r->used = true;
		r->gen = ++c->resume_gen;
	}
	pthread_mutex_unlock(&c->resume_lock);
}

/* @hs failed: the session it offered may be why; not again. */
static void kt_resume_drop(struct kt_hs *hs)
{
	struct kt_tls_conf *c = hs->conf;

	pthread_mutex_lock(&c->resume_lock);
	if (hs->slot->gen == hs->slot_gen)
		kt_resume_forget(hs->slot);
	pthread_mutex_unlock(&c->resume_lock);
	hs->slot = NULL;
}

int kt_tls_conf_resumption(struct kt_tls_conf *c, unsigned int lifetime,
			   char *err, size_t errlen)
{
	unsigned int i;
	int ret;

	if (c->built || c->lifetime) {
		snprintf(err, errlen, "resumption is set once, before any handshake");
		return -1;
	}
	if (!lifetime)
		return 0;
	c->resume = calloc(KT_RESUME_SLOTS, sizeof(*c->resume));
	if (!c->resume) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < KT_RESUME_SLOTS; i++)
		mbedtls_ssl_session_init(&c->resume[i].session);
	ret = mbedtls_ssl_ticket_setup(&c->ticket, mbedtls_ctr_drbg_random,
				       &c->drbg, MBEDTLS_CIPHER_AES_256_GCM,
				       lifetime);
	if (ret) {
		kt_err(err, errlen, "setting up session tickets", ret);
		return -1;
	}
	c->ticket_ready = true;
	mbedtls_ssl_cache_set_timeout(&c->cache, lifetime);
	mbedtls_ssl_cache_set_max_entries(&c->cache, KT_CACHE_ENTRIES);
	c->lifetime = lifetime;
	return 0;
}

/*
 * Offers @hs the session remembered for its key, if it is still fresh
 * and the server it was made with would be accepted now; one that is not,
 * or that mbedTLS will not take, is forgotten.
 */
static void kt_resume_offer(struct kt_hs *hs)
{
	struct kt_tls_conf *c = hs->conf;
	struct kt_resume *r;

	pthread_mutex_lock(&c->resume_lock);
	r = kt_resume_lookup(c, hs->resume_key);
	if (r && (time(NULL) - r->stored >= (time_t)c->lifetime ||
		  !kt_session_ok(hs, &r->session) ||
		  mbedtls_ssl_set_session(&hs->ssl, &r->session))) {
		kt_resume_forget(r);
		r = NULL;
	}
	if (r) {
		hs->slot = r;
		hs->slot_gen = r->gen;
	}
	pthread_mutex_unlock(&c->resume_lock);
	hs->peer[0] = '\0';	/* kt_session_ok() wrote it */
}

/*
 * Key exchange groups, strongest-fastest first: 2.28's default list puts
 * P-521 ahead of P-256 and X25519 and still offers P-192 and P-224.
 */
static const mbedtls_ecp_group_id kt_curves[] = {
	MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1,
	MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_NONE,
};

/* Hashes for the handshake's signatures: no SHA-1, no SHA-224. */
static const int kt_sig_hashes[] = {
	MBEDTLS_MD_SHA256, MBEDTLS_MD_SHA384, MBEDTLS_MD_SHA512, MBEDTLS_MD_NONE,
};

static int kt_conf_setup(struct kt_tls_conf *c, mbedtls_ssl_config *conf,
			 bool server, unsigned int mask)
{
	int ret;

	ret = mbedtls_ssl_config_defaults(conf, server ? MBEDTLS_SSL_IS_SERVER :
					  MBEDTLS_SSL_IS_CLIENT,
					  MBEDTLS_SSL_TRANSPORT_STREAM,
					  MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret)
		return ret;
	mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_ciphersuites(conf, c->suites[mask]);
	/* Mutual authentication; the server default would be NONE. */
	mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	/*
	 * What a peer makes us parse is bounded by mbedTLS: its chain comes
	 * in one Certificate message, which must fit the input buffer
	 * (MBEDTLS_SSL_IN_CONTENT_LEN, 16 KiB in Debian's build), and is
	 * verified to at most MBEDTLS_X509_MAX_INTERMEDIATE_CA links.
	 */
	mbedtls_ssl_conf_ca_chain(conf, &c->ca, NULL);
	mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, &c->drbg);
	mbedtls_ssl_conf_extended_master_secret(conf, MBEDTLS_SSL_EXTENDED_MS_ENABLED);
	mbedtls_ssl_conf_curves(conf, kt_curves);
	mbedtls_ssl_conf_sig_hashes(conf, kt_sig_hashes);
	/* Nothing may follow the keys into kTLS. */
	mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
	mbedtls_ssl_conf_legacy_renegotiation(conf, MBEDTLS_SSL_LEGACY_BREAK_HANDSHAKE);
	if (c->lifetime && server) {
		mbedtls_ssl_conf_session_cache(conf, &c->cache, kt_cache_get,
					       mbedtls_ssl_cache_set);
		mbedtls_ssl_conf_session_tickets_cb(conf, mbedtls_ssl_ticket_write,
						    kt_ticket_parse, &c->ticket);
	}
	mbedtls_ssl_conf_session_tickets(conf, c->lifetime ?
					 MBEDTLS_SSL_SESSION_TICKETS_ENABLED :
					 MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
	mbedtls_ssl_conf_export_keys_ext_cb(conf, kt_export_keys, NULL);
	return mbedtls_ssl_conf_own_cert(conf, &c->cert, &c->key);
}

static mbedtls_ssl_config *kt_conf_build(struct kt_tls_conf *c, bool server,
					 unsigned int mask)
{
	mbedtls_ssl_config *conf = calloc(1, sizeof(*conf));

	if (!conf)
		return NULL;
	mbedtls_ssl_config_init(conf);
	if (kt_conf_setup(c, conf, server, mask)) {
		mbedtls_ssl_config_free(conf);
		free(conf);
		return NULL;
	}
	return conf;
}

/* The config for @server and @mask, built by the first handshake needing it. */
static mbedtls_ssl_config *kt_conf_get(struct kt_tls_conf *c, bool server,
				       unsigned int mask)
{
	mbedtls_ssl_config *conf;

	pthread_mutex_lock(&c->lock);
	c->built = true;
	conf = c->ssl[server][mask];
	if (!conf)
		conf = c->ssl[server][mask] = kt_conf_build(c, server, mask);
	pthread_mutex_unlock(&c->lock);
	return conf;
}

static int kt_bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct kt_hs *hs = ctx;
	struct kt_buf *b = hs->out;
	size_t cap;
	uint8_t *p;

	if (!b)
		return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	if (b->len + len > b->cap) {
		cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p)
			return MBEDTLS_ERR_SSL_ALLOC_FAILED;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, buf, len);
	b->len += len;
	return len;
}

static int kt_bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct kt_hs *hs = ctx;
	size_t n = hs->in_len - hs->in_off;

	if (!n)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (n > len)
		n = len;
	memcpy(buf, hs->in + hs->in_off, n);
	hs->in_off += n;
	return n;
}

/*
 * Runs while the peer's certificate is checked: after the hellos (so
 * extended master secret is settled) and before this side's Finished.
 * Refusing here sends an alert instead of completing the handshake.
 */
static int kt_verify(void *ctx, mbedtls_x509_crt *crt, int depth,
		     uint32_t *flags)
{
	struct kt_hs *hs = ctx;

	if (depth != 0)
		return 0;
	if (!hs->ssl.handshake ||
	    hs->ssl.handshake->extended_ms != MBEDTLS_SSL_EXTENDED_MS_ENABLED) {
		*flags |= MBEDTLS_X509_BADCERT_OTHER;
		snprintf(hs->error, sizeof(hs->error),
			 "peer does not support extended master secret");
		return 0;
	}
#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH)
	/* kTLS writes records of up to 16 KiB whatever the peer asked for. */
	if (hs->ssl.session_negotiate &&
	    hs->ssl.session_negotiate->mfl_code != MBEDTLS_SSL_MAX_FRAG_LEN_NONE) {
		*flags |= MBEDTLS_X509_BADCERT_OTHER;
		snprintf(hs->error, sizeof(hs->error),
			 "peer asked for a maximum fragment length, which kTLS does not keep");
		return 0;
	}
#endif
	if (!kt_peer_ok(hs, crt)) {
		*flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
		snprintf(hs->error, sizeof(hs->error),
			 "peer certificate carries none of the accepted identities");
	}
	return 0;
}

struct kt_hs *kt_hs_new(struct kt_tls_conf *c, const struct kt_hs_params *p,
			char *err, size_t errlen)
{
	unsigned int mask = (p->ciphers ? p->ciphers : KTUN_CIPHER_MASK) & KTUN_CIPHER_MASK;
	mbedtls_ssl_config *conf;
	struct kt_hs *hs;
	unsigned int i;
	int ret;

	if (!mask || !p->n_idents) {
		snprintf(err, errlen, "no cipher or no accepted identity");
		return NULL;
	}
	conf = kt_conf_get(c, p->server, mask);
	hs = calloc(1, sizeof(*hs));
	if (hs)
		hs->idents = calloc(p->n_idents, sizeof(char *));
	if (!conf || !hs || !hs->idents) {
		snprintf(err, errlen, "out of memory");
		kt_hs_free(hs);
		return NULL;
	}
	hs->conf = c;
	hs->mask = mask;
	for (i = 0; i < p->n_idents; i++) {
		hs->idents[i] = strdup(p->idents[i]);
		if (!hs->idents[i])
			break;
		hs->n_idents++;
	}
	mbedtls_ssl_init(&hs->ssl);
	ret = hs->n_idents == p->n_idents ? mbedtls_ssl_setup(&hs->ssl, conf) :
		MBEDTLS_ERR_SSL_ALLOC_FAILED;
	if (ret) {
		kt_err(err, errlen, "setting up the handshake", ret);
		kt_hs_free(hs);
		return NULL;
	}
	mbedtls_ssl_set_bio(&hs->ssl, hs, kt_bio_send, kt_bio_recv, NULL);
	mbedtls_ssl_set_verify(&hs->ssl, kt_verify, hs);
	if (!p->server && p->resume_key && c->lifetime) {
		snprintf(hs->resume_key, sizeof(hs->resume_key), "%s", p->resume_key);
		kt_resume_offer(hs);
	}
	return hs;
}

long kt_record_len(const uint8_t hdr[5])
{
	long len = hdr[3] << 8 | hdr[4];

	if (hdr[0] < 20 || hdr[0] > 23 || hdr[1] != 3 || len > 16384 + 2048)
		return -1;
	return len;
}

static int kt_fail(struct kt_hs *hs, const char *what, int ret)
{
	char buf[128];
	uint32_t vr;

	hs->failed = true;
	if (hs->slot)
		kt_resume_drop(hs);
	if (hs->error[0])
		return -1;	/* the verify callback said it better */
	vr = mbedtls_ssl_get_verify_result(&hs->ssl);
	if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && vr && vr != (uint32_t)-1) {
		mbedtls_x509_crt_verify_info(buf, sizeof(buf), "", vr);
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(hs->error, sizeof(hs->error), "peer certificate: %s", buf);
		return -1;
	}
	kt_err(hs->error, sizeof(hs->error), what, ret);
	return -1;
}

/* kt_hs_finish() failing with @why (a fixed string). */
static int kt_refuse(struct kt_hs *hs, const char *why)
{
	snprintf(hs->error, sizeof(hs->error), "%s", why);
	return kt_fail(hs, why, MBEDTLS_ERR_SSL_INTERNAL_ERROR);
}

/*
 * A resumed handshake saw no certificate: the session was checked when it
 * was offered or found (kt_session_ok()), and is checked again here, on
 * the certificate it kept, against the identities accepted now.
 */
static int kt_resumed_ok(struct kt_hs *hs)
{
	if (!hs->ssl.session || !kt_session_ok(hs, hs->ssl.session))
		return kt_refuse(hs, "peer certificate carries none of the accepted "
				 "identities, or expired since its session");
	return 0;
}

/* The handshake finished: check what mbedTLS cannot enforce itself. */
static int kt_hs_finish(struct kt_hs *hs)
{
	if (!hs->have_keys)
		return kt_fail(hs, "no keys were exported", MBEDTLS_ERR_SSL_INTERNAL_ERROR);
	if (!hs->ems)		/* kt_verify() should have caught it */
		return kt_refuse(hs, "peer does not support extended master secret");
	if (hs->resumed && kt_resumed_ok(hs))
		return -1;
	if (hs->resume_key[0])
		kt_resume_store(hs);
	hs->done = true;
	return KT_HS_DONE;
}

int kt_hs_step(struct kt_hs *hs, const uint8_t *rec, size_t len,
	       struct kt_buf *out)
{
	size_t out_len;
	int ret;

	if (hs->done || hs->failed) {
		snprintf(hs->error, sizeof(hs->error), "handshake already over");
		hs->failed = true;
		return -1;
	}
	if (rec && (len < 5 || kt_record_len(rec) != (long)len - 5)) {
		hs->failed = true;
		snprintf(hs->error, sizeof(hs->error), "malformed TLS record");
		return -1;
	}
	out_len = out->len;
	hs->in = rec;
	hs->in_len = rec ? len : 0;
	hs->in_off = 0;
	hs->out = out;
	kt_current = hs;
	ret = mbedtls_ssl_handshake(&hs->ssl);
	kt_current = NULL;
	hs->out = NULL;
	if (ret == 0 || ret == MBEDTLS_ERR_SSL_WANT_READ) {
		if (hs->in_off != hs->in_len) {
			hs->failed = true;
			snprintf(hs->error, sizeof(hs->error),
				 "data after the last handshake record");
			return -1;
		}
		if (ret)
			return KT_HS_AGAIN;
		ret = kt_hs_finish(hs);
		/* Refused at the end: our Finished must not go out. */
		if (ret < 0 && out->len > out_len) {
			mbedtls_platform_zeroize(out->data + out_len, out->len - out_len);
			out->len = out_len;
		}
		return ret;
	}
	return kt_fail(hs, "handshake", ret);
}

static void kt_dir_fill(struct kt_hs *hs, struct kt_dir_keys *d,
			const unsigned char *key, const unsigned char *iv,
			const unsigned char *ctr)
{
	memcpy(d->key, key, hs->key_len);
	memcpy(d->rec_seq, ctr, 8);
	if (hs->iv_len == 4) {
		/* GCM: salt is the implicit IV; the explicit nonce mbedTLS
		 * used is the record sequence number, and kTLS continues
		 * from iv: so iv must equal rec_seq (never 0: nonce reuse).
		 */
		memcpy(d->salt, iv, 4);
		memcpy(d->iv, ctr, 8);
	} else {
		memcpy(d->iv, iv, 12);
	}
}

int kt_hs_take_keys(struct kt_hs *hs, struct kt_keys *k)
{
	const unsigned char *ckey = hs->kb, *skey = ckey + hs->key_len;
	const unsigned char *civ = skey + hs->key_len, *siv = civ + hs->iv_len;
	bool server = hs->ssl.conf->endpoint == MBEDTLS_SSL_IS_SERVER;
	int id = mbedtls_ssl_get_ciphersuite_id(mbedtls_ssl_get_ciphersuite(&hs->ssl));
	unsigned int i;

	if (!hs->done || !hs->have_keys)
		return -1;
	memset(k, 0, sizeof(*k));
	for (i = 0; i < KT_N_SUITES; i++)
		if (kt_suites[i].id == id)
			break;
	if (i == KT_N_SUITES || kt_suites[i].key_len != hs->key_len ||
	    kt_suites[i].iv_len != hs->iv_len)
		return -1;
	k->version = 0x0303;
	k->cipher = kt_suites[i].cipher;
	k->key_len = hs->key_len;
	/* 2.28 keeps the TLS write sequence in cur_out_ctr; out_ctr only
	 * points into the record header being built.
	 */
	kt_dir_fill(hs, &k->tx, server ? skey : ckey, server ? siv : civ,
		    hs->ssl.cur_out_ctr);
	kt_dir_fill(hs, &k->rx, server ? ckey : skey, server ? civ : siv,
		    hs->ssl.in_ctr);
	mbedtls_platform_zeroize(hs->kb, sizeof(hs->kb));
	hs->have_keys = false;
	return 0;
}

const char *kt_hs_error(const struct kt_hs *hs)
{
	return hs->error[0] ? hs->error : "unknown error";
}

const char *kt_hs_peer_identity(const struct kt_hs *hs)
{
	return hs->peer;
}

bool kt_hs_resumed(const struct kt_hs *hs)
{
	return hs->resumed;
}

const char *kt_hs_cipher_name(const struct kt_hs *hs)
{
	return mbedtls_ssl_get_ciphersuite(&hs->ssl);
}

void kt_hs_free(struct kt_hs *hs)
{
	unsigned int i;

	if (!hs)
		return;
	mbedtls_ssl_free(&hs->ssl);
	for (i = 0; i < hs->n_idents; i++)
		free(hs->idents[i]);
	free(hs->idents);
	mbedtls_platform_zeroize(hs, sizeof(*hs));
	free(hs);
}

void kt_buf_free(struct kt_buf *b)
{
	if (b->data)
		mbedtls_platform_zeroize(b->data, b->cap);
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void kt_keys_wipe(struct kt_keys *keys)
{
	mbedtls_platform_zeroize(keys, sizeof(*keys));
}
