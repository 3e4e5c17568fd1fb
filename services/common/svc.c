/* svc: the service loop shared by every daemon. See svc.h. */
#include "svc.h"
#include "svc_int.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "log.h"
#include "sign.h"
#include "wire.h"

#define S_READER_CHECK_MS 5000

/* struct sos_svc: svc_int.h */

static volatile sig_atomic_t s_stop, s_reload;

static void s_on_signal(int sig)
{
    if (sig == SIGHUP)
        s_reload = 1;
    else
        s_stop = 1;
}

/* SIGHUP: read the configuration again for what can change while running:
 * [store] map_max (a store that reached it takes writes again). */
static void s_reload_conf(sos_svc *svc)
{
    char err[512];
    sos_conf *c = NULL;
    long long map_max;
    s_reload = 0;
    if (sos_conf_load(svc->config_path, svc->home_arg, &c, err, sizeof err) != 0) {
        sos_log_error("config.reload", "msg=\"%s\" action=keep", err);
        return;
    }
    if (sos_conf_int(c, "store", "map_max", 8ll << 30, &map_max) != 0 || map_max <= 0) {
        sos_log_error("config.reload", "msg=\"[store] map_max must be a positive integer\" "
                                       "action=keep");
    } else {
        sos_store_set_max(svc->store, (size_t)map_max);
        sos_log_info("config.reload", "map_max=%lld map_size=%zu", map_max,
                     sos_store_map_size(svc->store));
    }
    sos_conf_destroy(&c);
    svc_access_reload(svc);
}

void *sos_svc_app(const sos_svc *svc)
{
    return svc->app;
}
const sos_conf *sos_svc_conf(const sos_svc *svc)
{
    return svc->conf;
}
sos_store *sos_svc_store(sos_svc *svc)
{
    return svc->store;
}
const sos_peer *sos_svc_peer(const sos_svc *svc)
{
    static const sos_peer local = {.roles = SOS_ROLE_LOCAL};
    return svc->peer ? svc->peer : &local;
}

int sos_svc_prepared(const sos_svc *svc)
{
    return svc->prep;
}

bool sos_svc_synced(const sos_svc *svc)
{
    return svc->synced;
}

sos_svc *sos_svc_detached_new(const sos_svc_spec *spec, void *app)
{
    sos_svc *svc = sos_xcalloc(1, sizeof *svc);
    svc->spec = spec;
    svc->app = app;
    svc->synced = true; /* nothing to catch up with */
    return svc;
}

void sos_svc_detached_destroy(sos_svc **svc)
{
    free(*svc);
    *svc = NULL;
}

void sos_svc_detached_prepare(sos_svc *svc, int prep)
{
    svc->prep = prep;
}

void sos_svc_error_reply(const ProtobufCBinaryData *request_id, Sos__Code code, const char *msg,
                         sos_buf *out)
{
    Sos__ErrorReply r = SOS__ERROR_REPLY__INIT;
    Sos__Status st = SOS__STATUS__INIT;
    if (request_id)
        r.request_id = *request_id;
    st.code = code;
    st.message = (char *)msg;
    r.status = &st;
    sos_buf_pack(out, &r.base);
}

void svc_publish(sos_svc *svc)
{
    sos_txn *t = NULL;
    uint64_t head = 0;
    if (sos_txn_begin(svc->store, false, &t) != SOS_OK)
        return;
    (void)sos_evlog_head(t, &head);
    sos_txn_abort(&t);
    if (head == svc->published_head)
        return;
    uint8_t b[8];
    sos_be64_put(b, head);
    sos_frame f = {b, 8};
    (void)sos_sock_send(svc->pub, &f, 1);
    svc->published_head = head;
}

/* --- main ------------------------------------------------------------ */

static void s_usage(const sos_svc_spec *spec, FILE *f)
{
    fprintf(f,
            "usage: sos-%s [--home DIR] [--config FILE] [--verbose]\n"
            "\n"
            "Runs the shiporskip %s daemon until SIGTERM; SIGHUP rereads [store] map_max\n"
            "and the access list ([access] file).\n"
            "\n"
            "  --home DIR     data, keys and sockets under DIR (default $SOS_HOME or ./var)\n"
            "  --config FILE  INI file overriding the defaults (see docs/operations.md)\n"
            "  --verbose      log debug events\n"
            "  --help         this text\n"
            "  --version      print the version\n"
            "\n"
            "Exit: 0 on SIGTERM; 64 usage; 69 upstream or socket unusable; 74 store I/O\n"
            "error; 78 configuration error.\n",
            spec->name, spec->name);
}

int sos_svc_main(const sos_svc_spec *spec, int argc, char **argv)
{
    static const struct option opts[] = {
        {"home", required_argument, NULL, 'H'}, {"config", required_argument, NULL, 'c'},
        {"verbose", no_argument, NULL, 'v'},    {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},    {NULL, 0, NULL, 0}};
    const char *home = NULL, *config = NULL;
    int verbose = 0, ch, rc;
    sos_svc svc;

    assert(spec->name && spec->request && spec->handle && spec->is_write);
    assert(!spec->upstream || spec->apply);
    while ((ch = getopt_long(argc, argv, "H:c:vhV", opts, NULL)) != -1) {
        switch (ch) {
        case 'H': home = optarg; break;
        case 'c': config = optarg; break;
        case 'v': verbose = 1; break;
        case 'h': s_usage(spec, stdout); return EX_OK;
        case 'V': printf("sos-%s %s\n", spec->name, SOS_VERSION); return EX_OK;
        default: s_usage(spec, stderr); return EX_USAGE;
        }
    }
    if (optind != argc) {
        s_usage(spec, stderr);
        return EX_USAGE;
    }
    sos_log_init(spec->name, verbose ? SOS_LOG_DEBUG : SOS_LOG_INFO);

    memset(&svc, 0, sizeof svc);
    svc.spec = spec;
    svc.f_id = protobuf_c_message_descriptor_get_field(spec->request, 1);
    svc.f_events = protobuf_c_message_descriptor_get_field(spec->request, 10);
    svc.f_status = protobuf_c_message_descriptor_get_field(spec->request, 11);
    assert(svc.f_id && svc.f_id->type == PROTOBUF_C_TYPE_BYTES);
    assert(svc.f_events && (svc.f_events->flags & PROTOBUF_C_FIELD_FLAG_ONEOF));
    assert(svc.f_status && (svc.f_status->flags & PROTOBUF_C_FIELD_FLAG_ONEOF));

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal; /* no SA_RESTART: poll returns EINTR */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    svc.config_path = config;
    svc.home_arg = home;
    signal(SIGPIPE, SIG_IGN);

    rc = svc_open(&svc, config, home);
    if (rc != 0)
        goto out;
    if (svc.follow)
        sos_follow_ask(svc.follow);
    while (!s_stop && !svc.fatal) {
        sos_sock *socks[3] = {svc.api, NULL, NULL};
        bool rd[3];
        /* a fetch in flight waits for its answer or its deadline, not for
         * the next periodic fetch (which only follows an answer) */
        long timeout = -1;
        if (svc.follow) {
            sos_follow_socks(svc.follow, &socks[1]); /* the doorbell, the answers */
            timeout = (long)(sos_follow_wake(svc.follow) - sos_now_ms());
            if (timeout < 0)
                timeout = 0;
        }
        long until_check = (long)(svc.next_reader_check - sos_now_ms());
        if (timeout < 0 || timeout > until_check)
            timeout = until_check < 0 ? 0 : until_check;
        int n = sos_wire_poll(socks, 3, rd, timeout);
        int poll_errno = errno; /* before the reload can change it */
        if (s_reload)
            s_reload_conf(&svc);
        if (n < 0) {
            if (poll_errno == EINTR)
                continue;
            errno = poll_errno;
            sos_log_error("poll", "errno=%d msg=\"%s\"", errno, strerror(errno));
            svc.fatal = EX_OSERR;
            break;
        }
        if (rd[0])
            svc_batch_serve(&svc);
        bool bell = false;
        if (rd[1])
            bell = sos_follow_doorbell(svc.follow);
        if (!svc.fatal) /* between transactions: no write finds the map full */
            (void)sos_store_grow_ahead(svc.store);
        if (sos_now_ms() >= svc.next_reader_check) {
            int cleared = 0;
            sos_log_tick(); /* the repeat limiter's counts, once their window is over */
            if (sos_store_reader_check(svc.store, &cleared) == SOS_OK && cleared > 0)
                sos_log_warn("store.stale_readers", "cleared=%d", cleared);
            svc.next_reader_check = sos_now_ms() + S_READER_CHECK_MS;
        }
        if (svc.follow) {
            if (rd[2]) {
                bool more = false;
                if ((rc = sos_follow_read(svc.follow, &more)) != 0)
                    svc.fatal = rc;
                if (more)
                    bell = true;
                svc_publish(&svc);
            }
            if ((rc = sos_follow_tick(svc.follow, bell)) != 0)
                svc.fatal = rc;
        }
    }
    rc = svc.fatal;
    sos_log_flush();
    sos_log_info("stop", "reason=%s exit=%d", s_stop ? "signal" : "fatal", rc);
out:
    svc_close(&svc);
    return rc;
}
