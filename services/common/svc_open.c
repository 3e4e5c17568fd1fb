/* svc_open: a daemon's start and stop (svc.h): config, store, keys and
 * sockets in; all of it out again. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "access.h"
#include "fault.h"
#include "log.h"
#include "sign.h"
#include "svc.h"
#include "svc_int.h"
#include "wire.h"

/* The follower's apply: the spec's, with the service it runs in. */
static int s_apply(void *arg, sos_txn *txn, const Sos__Event *ev)
{
    sos_svc *svc = arg;
    return svc->spec->apply(svc, txn, ev);
}

/* The follower's page_done: the spec's applied, with the service. */
static int s_applied(void *arg, sos_txn *txn)
{
    sos_svc *svc = arg;
    return svc->spec->applied(svc, txn);
}

static int s_access_load(const sos_svc *svc, sos_access **out)
{
    char err[512];
    const char *path = sos_conf_get(svc->conf, "access", "file");
    if (sos_access_load(path, out, err, sizeof err) != 0) {
        sos_log_error("access", "file=%s msg=\"%s\"", path, err);
        return -1;
    }
    if (sos_access_count(*out) == 0)
        sos_log_warn("access", "file=%s keys=0 msg=\"nobody may connect over tcp\"", path);
    else
        sos_log_info("access", "file=%s keys=%zu", path, sos_access_count(*out));
    return 0;
}

void svc_access_reload(sos_svc *svc)
{
    sos_access *a = NULL;
    if (!svc->zap_on)
        return;
    if (s_access_load(svc, &a) != 0) {
        sos_log_error("access.reload", "action=keep");
        return;
    }
    sos_log_info("access.reload", "keys=%zu", sos_access_count(a));
    sos_wire_zap_reload(svc->wire, a);
}

/* CURVE for whatever is tcp: the own transport key (made on first use), the
 * ZAP handler with the access list before any server socket, the upstream's
 * public key (into up_key). 0 or a sysexits code, logged. */
static int s_curve_open(sos_svc *svc, const char *api, const char *events, const char *up_api,
                        const char *up_events, uint8_t up_key[SOS_PK_BYTES])
{
    const sos_conf *c = svc->conf;
    const char *name = svc->spec->name;
    bool serve = sos_endpoint_needs_curve(api) || sos_endpoint_needs_curve(events);
    bool up = up_api && (sos_endpoint_needs_curve(up_api) || sos_endpoint_needs_curve(up_events));
    if (!serve && !up)
        return 0;
    const char *kpath = sos_conf_get(c, name, "transport_key");
    if (sos_conf_mkdirs(sos_conf_get(c, "paths", "key_dir"), 0700) != 0 ||
        sos_tkey_load_or_create(kpath, &svc->tkey) != 0) {
        sos_log_error("transport_key",
                      "file=%s msg=\"cannot read or create it (mode must be "
                      "0600, a transport key, not a signing key)\"",
                      kpath);
        return EX_CONFIG;
    }
    char hex[2 * SOS_PK_BYTES + 1];
    sos_hex(sos_tkey_public(svc->tkey), SOS_PK_BYTES, hex);
    sos_log_info("curve", "transport_key=%s public=%s", kpath, hex);
    if (serve) {
        sos_access *a = NULL;
        if (s_access_load(svc, &a) != 0)
            return EX_CONFIG;
        if (sos_wire_zap_start(svc->wire, a) != 0)
            return EX_SOFTWARE;
        svc->zap_on = true;
    }
    if (up) {
        const char *sk = sos_conf_get(c, svc->spec->upstream, "server_key");
        if (!sk || sos_pub_read(sk, up_key) != 0) {
            sos_log_error("server_key",
                          "service=%s value=%s msg=\"need the upstream's CURVE "
                          "public key (64 hex digits or a file)\"",
                          svc->spec->upstream, sk ? sk : "-");
            return EX_CONFIG;
        }
    }
    return 0;
}

/* [<name>] verifiers: threads that run spec->prepare; default one per
 * core, 1 to 8: the service thread spends most of a batch waiting on
 * fdatasync, so it leaves its core to them (0: prepare runs on the service
 * thread, before each batch). */
static int s_pool_open(sos_svc *svc)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    long long dflt = cpus > 1 ? cpus : 1, n;
    if (dflt > 8)
        dflt = 8;
    if (sos_conf_int(svc->conf, svc->spec->name, "verifiers", dflt, &n) != 0 || n < 0 || n > 16) {
        sos_log_error("config", "msg=\"[%s] verifiers must be 0 to 16\"", svc->spec->name);
        return EX_CONFIG;
    }
    if (!(svc->pool = sos_pool_new((unsigned)n))) {
        sos_log_error("pool", "msg=\"out of memory\"");
        return EX_OSERR;
    }
    return 0;
}

int svc_open(sos_svc *svc, const char *config, const char *home)
{
    char err[512], dir[4096];
    const char *names[16];
    long long map_size, map_max;
    const sos_svc_spec *spec = svc->spec;

    (void)sos_fault_install(spec->name); /* best effort: no log line is worse, not fatal */
    if (sos_conf_load(config, home, &svc->conf, err, sizeof err) != 0) {
        sos_log_error("config", "msg=\"%s\"", err);
        return EX_CONFIG;
    }
    const sos_conf *c = svc->conf;
    const char *lvl = sos_conf_get(c, "log", "level");
    if (lvl && sos_log_level_parse(lvl) >= 0)
        sos_log_init(spec->name, sos_log_level_parse(lvl));
    if (sos_conf_int(c, "store", "map_size", 16ll << 20, &map_size) != 0 ||
        sos_conf_int(c, "store", "map_max", 8ll << 30, &map_max) != 0 || map_size <= 0 ||
        map_max < map_size) {
        sos_log_error("config", "msg=\"[store] map_size and map_max must be integers, "
                                "0 < map_size <= map_max\"");
        return EX_CONFIG;
    }
    if (sos_sign_init() != 0) {
        sos_log_error("sodium.init", "msg=\"libsodium failed to initialise\"");
        return EX_SOFTWARE;
    }
    const char *run = sos_conf_get(c, "paths", "run_dir");
    if (sos_conf_mkdirs(run, 0700) != 0) {
        sos_log_error("run_dir", "dir=%s msg=\"%s\"", run, strerror(errno));
        return EX_CANTCREAT;
    }
    snprintf(dir, sizeof dir, "%s/%s", sos_conf_get(c, "paths", "data_dir"), spec->name);
    names[SOS_DB_META] = "meta";
    names[SOS_DB_EVENTS] = "events";
    names[SOS_DB_REQUESTS] = "requests";
    assert(spec->n_dbs + SOS_DB_APP <= 16);
    for (unsigned i = 0; i < spec->n_dbs; i++)
        names[SOS_DB_APP + i] = spec->dbs[i];
    sos_store_opts o = {dir,  names, SOS_DB_APP + spec->n_dbs, (size_t)map_size, (size_t)map_max,
                        false};
    if (sos_store_open(&o, &svc->store) != SOS_OK)
        return EX_IOERR;

    sos_txn *t = NULL;
    uint64_t fmt = 0, cursor = 0;
    int rc = sos_txn_begin(svc->store, true, &t);
    if (rc == SOS_OK)
        rc = sos_meta_get_u64(t, "format", &fmt);
    if (rc == SOS_OK && fmt == 0)
        rc = sos_meta_put_u64(t, "format", SOS_STORE_FORMAT);
    if (rc == SOS_OK)
        rc = sos_meta_get_u64(t, "cursor", &cursor);
    if (rc == SOS_OK)
        rc = sos_evlog_head(t, &svc->published_head);
    if (rc == SOS_OK)
        rc = sos_txn_commit(&t);
    sos_txn_abort(&t);
    if (rc != SOS_OK) {
        sos_log_error("store.meta", "msg=\"%s\"", sos_store_errstr(rc));
        return EX_IOERR;
    }
    if (fmt != 0 && fmt != SOS_STORE_FORMAT) {
        sos_log_error("store.format", "found=%llu expected=%d", (unsigned long long)fmt,
                      SOS_STORE_FORMAT);
        return EX_CONFIG;
    }
    if (spec->init && spec->init(svc, &svc->app) != 0)
        return EX_CONFIG;
    if (spec->prepare && (rc = s_pool_open(svc)) != 0)
        return rc;
    svc->batch = svc_batch_new();

    if (sos_wire_new(&svc->wire) != 0)
        return EX_OSERR;
    const char *api = sos_conf_get(c, spec->name, "api");
    const char *events = sos_conf_get(c, spec->name, "events");
    const char *up_api = NULL, *up_events = NULL;
    uint8_t up_key[SOS_PK_BYTES] = {0};
    if (spec->upstream) {
        up_api = sos_conf_get(c, spec->upstream, "api");
        up_events = sos_conf_get(c, spec->upstream, "events");
        if (!up_api || !up_events) {
            sos_log_error("config", "msg=\"no endpoints for upstream %s\"", spec->upstream);
            return EX_CONFIG;
        }
    }
    if ((rc = s_curve_open(svc, api, events, up_api, up_events, up_key)) != 0)
        return rc;
    sos_curve cv = {svc->tkey, NULL};
    if (sos_sock_new_curve(svc->wire, SOS_SOCK_ROUTER, api, &cv, &svc->api) != 0 ||
        sos_sock_new_curve(svc->wire, SOS_SOCK_PUB, events, &cv, &svc->pub) != 0)
        return EX_UNAVAILABLE;
    if (spec->upstream) {
        sos_follow_opts fo = {.upstream = spec->upstream,
                              .api = up_api,
                              .events = up_events,
                              .wire = svc->wire,
                              .own = svc->tkey,
                              .server_key = up_key,
                              .store = svc->store,
                              .cursor = cursor,
                              .apply = s_apply,
                              .page_done = spec->applied ? s_applied : NULL,
                              .arg = svc};
        if (sos_follow_new(&fo, &svc->follow) != 0)
            return EX_UNAVAILABLE;
    }
    sos_log_info("start",
                 "version=%s api=%s events=%s upstream=%s data=%s cursor=%llu head=%llu "
                 "verifiers=%u",
                 SOS_VERSION, api, events, spec->upstream ? up_api : "none", dir,
                 (unsigned long long)cursor, (unsigned long long)svc->published_head,
                 svc->pool ? sos_pool_threads(svc->pool) : 0);
    return 0;
}

void svc_close(sos_svc *svc)
{
    sos_pool_destroy(&svc->pool);
    svc_batch_destroy(&svc->batch);
    sos_sock_destroy(&svc->api);
    sos_sock_destroy(&svc->pub);
    sos_follow_destroy(&svc->follow);
    sos_wire_destroy(&svc->wire);
    sos_tkey_destroy(&svc->tkey);
    if (svc->spec->fini && svc->app)
        svc->spec->fini(svc->app);
    sos_store_destroy(&svc->store);
    sos_conf_destroy(&svc->conf);
}
