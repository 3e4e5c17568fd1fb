/* svc_open: a daemon's start and stop (svc.h): config, store, keys and
 * sockets in; all of it out again. */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "sign.h"
#include "svc.h"
#include "svc_int.h"
#include "wire.h"

int svc_open(sos_svc *svc, const char *config, const char *home)
{
    char err[512], dir[4096];
    const char *names[16];
    long long map_size, map_max;
    const sos_svc_spec *spec = svc->spec;

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
    uint64_t fmt = 0;
    int rc = sos_txn_begin(svc->store, true, &t);
    if (rc == SOS_OK)
        rc = sos_meta_get_u64(t, "format", &fmt);
    if (rc == SOS_OK && fmt == 0)
        rc = sos_meta_put_u64(t, "format", SOS_STORE_FORMAT);
    if (rc == SOS_OK)
        rc = sos_meta_get_u64(t, "cursor", &svc->cursor);
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

    if (sos_wire_new(&svc->wire) != 0)
        return EX_OSERR;
    const char *api = sos_conf_get(c, spec->name, "api");
    const char *events = sos_conf_get(c, spec->name, "events");
    if (sos_sock_new(svc->wire, SOS_SOCK_ROUTER, api, &svc->api) != 0 ||
        sos_sock_new(svc->wire, SOS_SOCK_PUB, events, &svc->pub) != 0)
        return EX_UNAVAILABLE;
    if (spec->upstream) {
        svc->up_endpoint = sos_conf_get(c, spec->upstream, "api");
        const char *up_events = sos_conf_get(c, spec->upstream, "events");
        if (!svc->up_endpoint || !up_events) {
            sos_log_error("config", "msg=\"no endpoints for upstream %s\"", spec->upstream);
            return EX_CONFIG;
        }
        if (sos_sock_new(svc->wire, SOS_SOCK_DEALER, svc->up_endpoint, &svc->up_api) != 0 ||
            sos_sock_new(svc->wire, SOS_SOCK_SUB, up_events, &svc->up_events) != 0)
            return EX_UNAVAILABLE;
    }
    sos_log_info("start", "version=%s api=%s events=%s upstream=%s data=%s cursor=%llu head=%llu",
                 SOS_VERSION, api, events, spec->upstream ? svc->up_endpoint : "none", dir,
                 (unsigned long long)svc->cursor, (unsigned long long)svc->published_head);
    return 0;
}

void svc_close(sos_svc *svc)
{
    sos_sock_destroy(&svc->api);
    sos_sock_destroy(&svc->pub);
    sos_sock_destroy(&svc->up_api);
    sos_sock_destroy(&svc->up_events);
    sos_wire_destroy(&svc->wire);
    if (svc->spec->fini && svc->app)
        svc->spec->fini(svc->app);
    sos_store_destroy(&svc->store);
    sos_conf_destroy(&svc->conf);
}
