/* ingest: a load generator for the scoring daemon's take_file over the real
 * wire, and the in-process limit of the same work.
 *
 *   ingest ENDPOINT KEYDIR TOOLS_FILE --clients C --inflight K --takes N
 *          [--seconds S] [--rate R] [--rev-base B] [--acked FILE]
 *          [--limit-dir DIR] [--no-limit] [--seed X] [--curve SERVER_KEY]
 *
 * --curve: ENDPOINT is tcp:// with CURVE; SERVER_KEY is scoring's public
 * transport key (hex or file). Client c presents KEYDIR/<persona>.key.curve
 * of persona c mod 4 (its reviewer identity must match the key its takes are
 * signed with, and with C a multiple of 4 client c only sends that persona's
 * takes), so C must be a multiple of 4.
 *
 * KEYDIR holds builder.key, skeptic.key, futurist.key, founder.key (secret
 * keys registered for those personas); TOOLS_FILE one tool id per line.
 *
 * Before the clock starts, N take_file frames are packed and signed: take i
 * goes to pair p = i mod P of the P = 4 x tools (tool, persona) pairs with
 * revision B + 1 + i div P, request_id = take_id = sos_id_new (time-ordered, as
 * `sos take file` makes them), a text
 * of about 1.7 KB. Pair p belongs to client p mod C, which sends that pair's
 * takes in revision order and never has two of them in flight, so no
 * revision can overtake another (a STALE reply would still be counted on
 * its own). Each client thread has its own DEALER and keeps up to K requests
 * in flight, matching replies by request_id; latency is send -> reply on
 * CLOCK_MONOTONIC. --rate R paces the sends (R per second over all clients,
 * open loop: latency is then taken from the scheduled send time, so a
 * backlog shows in it). --seconds S stops sending after S seconds.
 *
 * Then the limit: the same frames, in the order they were sent, through
 * scoring's own pipeline with no sockets (s_limit below): the verifier
 * pool checks a round of 64 while the round before is decided by scoring's
 * handle() and committed in a temporary store.
 *
 * Prints a human summary and, last, one JSON line. --acked FILE writes
 * "tool_id ok_count" per tool for the caller's loss/duplicate check.
 * Exit 0 when every sent request got an answer, 1 otherwise, 64 on usage. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchutil.h"
#include "buf.h"
#include "log.h"
#include "pool.h"
#include "scoring.h"
#include "scoring.pb-c.h"
#include "sign.h"
#include "sos.pb-c.h"
#include "store.h"
#include "wire.h"

#define N_PERSONAS BU_PERSONAS
#define ID_BYTES SOS_ID_BYTES
#define BATCH 64
#define STALL_MS 30000 /* no reply for this long: give up */

typedef struct {
    uint8_t *frame; /* packed ScoringRequest */
    size_t len;
    uint8_t id[ID_BYTES];
    uint32_t pair;
    int code; /* reply code; -1 no reply */
    int64_t lat_ns;
} take;

typedef struct {
    /* setup */
    int idx;
    const char *endpoint;
    take *takes;
    uint32_t *pairs; /* pair ids owned by this client */
    size_t n_pairs;
    uint32_t **queue; /* per owned pair: take indices in revision order */
    size_t *qlen, *qpos;
    size_t total; /* takes owned */
    int inflight;
    const sos_tkey *tkey; /* CURVE identity, or NULL */
    const uint8_t *server_key;
    double rate; /* sends per second for this client; 0 = unpaced */
    int64_t t0_ns, stop_ns;
    /* results */
    size_t sent, answered, unanswered;
    int64_t lag_sum_ns, lag_max_ns; /* paced: actual send - scheduled send */
    int64_t end_ns;
    int err;
} client;

/* The order the takes went out in, over all clients: the limit decides
 * them in the same order (the same data and the same access pattern). */
static size_t *s_order;
static atomic_size_t s_nsent;

static int s_reply(const uint8_t *data, size_t len, uint8_t id[ID_BYTES], size_t *idlen, int *code)
{
    Sos__ScoringReply *r =
        (Sos__ScoringReply *)sos_unpack(&sos__scoring_reply__descriptor, data, len);
    if (!r)
        return -1;
    *code = r->status ? (int)r->status->code : 0;
    *idlen = r->request_id.len;
    if (r->request_id.len == ID_BYTES)
        memcpy(id, r->request_id.data, ID_BYTES);
    sos__scoring_reply__free_unpacked(r, NULL);
    return 0;
}

static void *s_client(void *arg)
{
    client *c = arg;
    sos_wire *w = NULL;
    sos_sock *s = NULL;
    sos_curve cv = {c->tkey, c->server_key};
    if (sos_wire_new(&w) != 0 ||
        sos_sock_new_curve(w, SOS_SOCK_DEALER, c->endpoint, c->tkey ? &cv : NULL, &s) != 0) {
        c->err = 1;
        if (w)
            sos_wire_destroy(&w);
        return NULL;
    }
    int K = c->inflight;
    long *slot_take = malloc((size_t)K * sizeof *slot_take);
    int64_t *slot_t = malloc((size_t)K * sizeof *slot_t);
    uint32_t *slot_q = malloc((size_t)K * sizeof *slot_q);
    /* ready ring of owned-pair positions whose next take may be sent */
    size_t rcap = c->n_pairs + 1, rhead = 0, rtail = 0;
    uint32_t *ready = malloc(rcap * sizeof *ready);
    if (!slot_take || !slot_t || !slot_q || !ready)
        abort();
    for (int k = 0; k < K; k++)
        slot_take[k] = -1;
    for (size_t q = 0; q < c->n_pairs; q++)
        if (c->qlen[q] > 0) {
            ready[rtail] = (uint32_t)q;
            rtail = (rtail + 1) % rcap;
        }
    int busy = 0;
    int64_t last_progress = bu_now_ns();
    bool stopped = false;
    while (c->answered < c->total && !(stopped && busy == 0)) {
        int64_t now = bu_now_ns();
        if (!stopped && c->stop_ns && now >= c->stop_ns)
            stopped = true;
        /* send while there is room, a ready pair, and (paced) it is time */
        long wait_ms = 100;
        while (!stopped && busy < K && rhead != rtail) {
            int64_t sched = 0;
            if (c->rate > 0) {
                sched = c->t0_ns + (int64_t)((double)c->sent * 1e9 / c->rate);
                if (sched > now) {
                    /* poll's unit is 1 ms: wait at least that (never spin:
                     * a spinning client takes a core from the daemon), so
                     * a send can be up to 1 ms late, and the lateness
                     * counts in its latency (the send lag printed) */
                    long ms = (long)((sched - now + 999999) / 1000000);
                    wait_ms = ms < 1 ? 1 : ms;
                    break;
                }
            }
            uint32_t q = ready[rhead];
            size_t ti = c->queue[q][c->qpos[q]];
            take *t = &c->takes[ti];
            sos_frame f = {t->frame, t->len};
            if (sos_sock_send(s, &f, 1) != 0) {
                if (errno == EAGAIN) {
                    wait_ms = 1;
                    break;
                }
                fprintf(stderr, "ingest: client %d: send: %s\n", c->idx, strerror(errno));
                c->err = 1;
                stopped = true;
                break;
            }
            rhead = (rhead + 1) % rcap;
            int k = 0;
            while (slot_take[k] != -1)
                k++;
            slot_take[k] = (long)ti;
            slot_t[k] = c->rate > 0 ? sched : bu_now_ns();
            if (c->rate > 0) {
                int64_t lag = bu_now_ns() - sched;
                c->lag_sum_ns += lag;
                if (lag > c->lag_max_ns)
                    c->lag_max_ns = lag;
            }
            slot_q[k] = q;
            busy++;
            c->sent++;
            s_order[atomic_fetch_add(&s_nsent, 1)] = ti;
            now = bu_now_ns();
        }
        if (busy == 0 && (stopped || rhead == rtail))
            break;
        if (busy == 0 && wait_ms > 0) {
            struct timespec ts = {wait_ms / 1000, (wait_ms % 1000) * 1000000};
            nanosleep(&ts, NULL);
            last_progress = bu_now_ns();
            continue;
        }
        bool rd = false;
        sos_sock *ss[1] = {s};
        int pr = sos_wire_poll(ss, 1, &rd, busy < K && rhead != rtail ? wait_ms : 100);
        if (pr < 0 && errno != EINTR)
            break;
        now = bu_now_ns();
        if (!rd) {
            if (busy > 0 && now - last_progress > (int64_t)STALL_MS * 1000000) {
                fprintf(stderr, "ingest: client %d: no reply for %d s, %d in flight\n", c->idx,
                        STALL_MS / 1000, busy);
                break;
            }
            continue;
        }
        for (;;) {
            sos_frames fr = {0};
            int r = sos_sock_recv(s, &fr);
            if (r != 0)
                break;
            int64_t at = bu_now_ns();
            uint8_t id[ID_BYTES];
            size_t idlen = 0;
            int code = -2;
            if (fr.n != 1 || s_reply(fr.data[0], fr.len[0], id, &idlen, &code) != 0) {
                fprintf(stderr, "ingest: client %d: unparsable reply\n", c->idx);
                sos_frames_clear(&fr);
                continue;
            }
            sos_frames_clear(&fr);
            int k = 0;
            for (; k < K; k++)
                if (slot_take[k] >= 0 && idlen == ID_BYTES &&
                    memcmp(c->takes[slot_take[k]].id, id, ID_BYTES) == 0)
                    break;
            if (k == K) {
                fprintf(stderr, "ingest: client %d: reply for no request in flight (code %d)\n",
                        c->idx, code);
                continue;
            }
            take *t = &c->takes[slot_take[k]];
            t->code = code;
            t->lat_ns = at - slot_t[k];
            uint32_t q = slot_q[k];
            slot_take[k] = -1;
            busy--;
            c->answered++;
            last_progress = at;
            if (++c->qpos[q] < c->qlen[q]) {
                ready[rtail] = q;
                rtail = (rtail + 1) % rcap;
            }
        }
    }
    c->unanswered = (size_t)busy;
    c->end_ns = bu_now_ns();
    free(slot_take);
    free(slot_t);
    free(slot_q);
    free(ready);
    sos_sock_destroy(&s);
    sos_wire_destroy(&w);
    return NULL;
}

/* The in-process limit: the scoring daemon's own pipeline with no
 * sockets. A store made the way the daemon makes its own (scoring's
 * databases, the tools and the four persona keys applied as the follower
 * would), then rounds of BATCH takes: the round's requests are decoded and
 * handed to the verifier pool (scoring_spec.prepare, [scoring] verifiers'
 * default of threads), and while they are checked the round before is
 * decided by scoring_spec.handle in child transactions of one batch
 * transaction, with the request record, and committed. The one difference
 * from the daemon: its per-take log line is not written (logging is at
 * warn here), which favours the limit. Returns takes per second, or -1. */
typedef struct {
    Sos__ScoringRequest *rq[BATCH];
    int prep[BATCH];
    size_t first, n; /* takes[first .. first + n) */
} lim_round;

static void s_lim_prepare(void *arg, size_t i)
{
    lim_round *r = arg;
    r->prep[i] = r->rq[i] ? scoring_spec.prepare(&r->rq[i]->base) : 0;
}

static void s_lim_receive(lim_round *r, take *takes, size_t first, size_t n)
{
    r->first = first;
    r->n = n;
    for (size_t i = 0; i < n; i++) {
        r->rq[i] = (Sos__ScoringRequest *)sos_unpack(&sos__scoring_request__descriptor,
                                                     takes[first + i].frame, takes[first + i].len);
        r->prep[i] = 0;
    }
}

static void s_lim_clear(lim_round *r)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->rq[i])
            sos__scoring_request__free_unpacked(r->rq[i], NULL);
    r->n = 0;
}

/* Applies the tools and panel keys (not timed). */
static int s_lim_seed(sos_store *st, char **tools, size_t T, sos_key *const *keys)
{
    sos_txn *t = NULL;
    int rc = sos_txn_begin(st, true, &t);
    for (size_t i = 0; i < T && rc == 0; i++) {
        Sos__Tool tool = SOS__TOOL__INIT;
        tool.tool_id = tools[i];
        tool.name = tools[i];
        Sos__Event ev = SOS__EVENT__INIT;
        ev.kind_case = SOS__EVENT__KIND_TOOL;
        ev.tool = &tool;
        rc = scoring_apply(t, &ev);
    }
    for (int p = 0; p < N_PERSONAS && rc == 0; p++) {
        Sos__PanelKey k = SOS__PANEL_KEY__INIT;
        k.persona = (Sos__Persona)(p + 1);
        k.public_key = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(keys[p])};
        Sos__Event ev = SOS__EVENT__INIT;
        ev.kind_case = SOS__EVENT__KIND_PANEL_KEY;
        ev.panel_key = &k;
        rc = scoring_apply(t, &ev);
    }
    if (rc == 0)
        rc = sos_txn_commit(&t);
    sos_txn_abort(&t);
    return rc;
}

static double s_limit(take *takes, size_t n, const char *parent, char **tools, size_t T,
                      sos_key *const *keys, unsigned *threads_out)
{
    char dir[4096];
    int dn = snprintf(dir, sizeof dir, "%s/ingest-limit-XXXXXX", parent);
    if (dn < 0 || (size_t)dn >= sizeof dir || !mkdtemp(dir)) {
        fprintf(stderr, "ingest: limit: cannot make a directory under %s\n", parent);
        return -1;
    }
    const char *names[16] = {"meta", "events", "requests"};
    for (unsigned i = 0; i < scoring_spec.n_dbs; i++)
        names[SOS_DB_APP + i] = scoring_spec.dbs[i];
    sos_store_opts o = {.dir = dir,
                        .dbs = names,
                        .n_dbs = SOS_DB_APP + scoring_spec.n_dbs,
                        .map_size = 1ull << 30,
                        .map_max = 1ull << 30};
    sos_store *st = NULL;
    if (sos_store_open(&o, &st) != 0 || s_lim_seed(st, tools, T, keys) != 0) {
        fprintf(stderr, "ingest: limit: store open failed\n");
        sos_store_destroy(&st);
        return -1;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN); /* the daemon's default */
    unsigned threads = cpus > 1 ? (unsigned)(cpus > 8 ? 8 : cpus) : 1;
    *threads_out = threads;
    sos_pool *pool = sos_pool_new(threads);
    scoring_rules rules = {.quorum = 5};
    sos_svc *svc = sos_svc_detached_new(&scoring_spec, &rules);
    static lim_round rounds[2];
    lim_round *cur = &rounds[0], *next = &rounds[1];
    sos_buf out = SOS_BUF_INIT;
    size_t bad = 0, batches = 0;
    int64_t wait_ns = 0, decide_ns = 0, commit_ns = 0;
    int rc = 0;
    sos_log_init("ingest", SOS_LOG_WARN); /* no per-take log line: see above */

    int64_t t0 = bu_now_ns();
    s_lim_receive(cur, takes, 0, n < BATCH ? n : BATCH);
    sos_pool_run(pool, s_lim_prepare, cur, cur->n);
    while (cur->n > 0 && rc == 0) {
        int64_t w0 = bu_now_ns();
        sos_pool_wait(pool);
        int64_t d0 = bu_now_ns();
        wait_ns += d0 - w0;
        sos_txn *batch = NULL;
        rc = sos_txn_begin(st, true, &batch);
        for (size_t i = 0; i < cur->n && rc == 0; i++) {
            const take *tk = &takes[cur->first + i];
            sos_txn *t = NULL;
            uint8_t hash[SOS_HASH_BYTES];
            sos_val prev;
            int same = 0;
            if (!cur->rq[i]) {
                bad++;
                continue;
            }
            sos_hash(tk->frame, tk->len, hash);
            if ((rc = sos_txn_begin_child(batch, &t)) != 0)
                break;
            rc = sos_request_find(t, &cur->rq[i]->request_id, hash, &prev, &same);
            if (rc == SOS_NOTFOUND) {
                sos_buf_reset(&out);
                sos_svc_detached_prepare(svc, cur->prep[i]);
                rc = scoring_spec.handle(svc, t, &cur->rq[i]->base, &out);
                if (rc == SOS_SVC_COMMIT) {
                    rc = sos_request_store(t, &cur->rq[i]->request_id, hash, &out);
                    if (rc == 0)
                        rc = sos_txn_commit(&t);
                } else if (rc == SOS_SVC_ABORT) {
                    bad++;
                    rc = 0;
                }
            }
            sos_txn_abort(&t);
        }
        /* the next round is checked while this one commits */
        s_lim_clear(cur);
        size_t first = cur->first + BATCH;
        s_lim_receive(next, takes, first, first >= n ? 0 : (n - first < BATCH ? n - first : BATCH));
        sos_pool_run(pool, s_lim_prepare, next, next->n);
        int64_t c0 = bu_now_ns();
        decide_ns += c0 - d0;
        if (rc == 0)
            rc = sos_txn_commit(&batch);
        commit_ns += bu_now_ns() - c0;
        batches++;
        sos_txn_abort(&batch);
        lim_round *sw = cur;
        cur = next;
        next = sw;
    }
    int64_t t1 = bu_now_ns();
    sos_pool_wait(pool);
    s_lim_clear(cur);
    sos_pool_destroy(&pool);
    sos_svc_detached_destroy(&svc);
    sos_buf_free(&out);
    sos_store_destroy(&st);
    char cmd[4200];
    int cn = snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (cn > 0 && (size_t)cn < sizeof cmd && system(cmd) != 0)
        fprintf(stderr, "ingest: limit: could not remove %s\n", dir);
    if (rc != 0) {
        fprintf(stderr, "ingest: limit: store error %d\n", rc);
        return -1;
    }
    if (bad)
        fprintf(stderr, "ingest: limit: %zu takes refused\n", bad);
    /* the service thread's time, as the daemon's batch.commit lines give it */
    printf(
        "ingest: limit: %zu batches; per take: verifier wait %.1f us, decide (with receiving the "
        "next round) %.1f us, commit %.1f us\n",
        batches, (double)wait_ns / 1e3 / (double)n, (double)decide_ns / 1e3 / (double)n,
        (double)commit_ns / 1e3 / (double)n);
    return (double)(n - bad) / ((double)(t1 - t0) / 1e9);
}

static int s_usage(void)
{
    fprintf(stderr, "usage: ingest ENDPOINT KEYDIR TOOLS_FILE --clients C --inflight K --takes N\n"
                    "              [--seconds S] [--rate R] [--rev-base B] [--acked FILE]\n"
                    "              [--limit-dir DIR] [--no-limit]\n");
    return 64;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"clients", required_argument, 0, 'c'},
                                         {"inflight", required_argument, 0, 'k'},
                                         {"takes", required_argument, 0, 'n'},
                                         {"seconds", required_argument, 0, 's'},
                                         {"rate", required_argument, 0, 'r'},
                                         {"rev-base", required_argument, 0, 'b'},
                                         {"acked", required_argument, 0, 'a'},
                                         {"limit-dir", required_argument, 0, 'd'},
                                         {"no-limit", no_argument, 0, 'L'},
                                         {"curve", required_argument, 0, 'C'},
                                         {0, 0, 0, 0}};
    int C = 4, K = 16;
    long N = 20000;
    double seconds = 0, rate = 0;
    unsigned rev_base = 0;
    const char *acked = NULL, *limit_dir = NULL, *curve = NULL;
    uint8_t server_key[SOS_PK_BYTES];
    sos_tkey *tkeys[N_PERSONAS] = {0};
    bool no_limit = false;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'c': C = atoi(optarg); break;
        case 'k': K = atoi(optarg); break;
        case 'n': N = atol(optarg); break;
        case 's': seconds = atof(optarg); break;
        case 'r': rate = atof(optarg); break;
        case 'b': rev_base = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'a': acked = optarg; break;
        case 'd': limit_dir = optarg; break;
        case 'L': no_limit = true; break;
        case 'C': curve = optarg; break;
        default: return s_usage();
        }
    }
    if (argc - optind != 3 || C < 1 || K < 1 || N < 1 || rate < 0)
        return s_usage();
    const char *endpoint = argv[optind], *keydir = argv[optind + 1], *tools_file = argv[optind + 2];
    if (!limit_dir) {
        limit_dir = getenv("TMPDIR");
        if (!limit_dir || !*limit_dir)
            limit_dir = "/tmp";
    }
    if (sos_sign_init() != 0)
        return 1;
    if (curve) {
        if (C % N_PERSONAS != 0 || sos_pub_read(curve, server_key) != 0) {
            fprintf(stderr, "ingest: --curve needs a server key and --clients a multiple of 4\n");
            return 64;
        }
        for (int p = 0; p < N_PERSONAS; p++) {
            char path[4096];
            int pn = snprintf(path, sizeof path, "%s/%s.key.curve", keydir, bu_persona_file[p]);
            if (pn < 0 || (size_t)pn >= sizeof path || sos_tkey_load(path, &tkeys[p]) != 0) {
                fprintf(stderr, "ingest: cannot load %s\n", path);
                return 1;
            }
        }
    }

    sos_key *keys[N_PERSONAS] = {0};
    for (int p = 0; p < N_PERSONAS; p++) {
        char path[4096];
        int pn = snprintf(path, sizeof path, "%s/%s.key", keydir, bu_persona_file[p]);
        if (pn < 0 || (size_t)pn >= sizeof path || sos_key_load(path, &keys[p]) != 0) {
            fprintf(stderr, "ingest: cannot load %s/%s.key\n", keydir, bu_persona_file[p]);
            return 1;
        }
    }
    size_t T = 0;
    char **tools = bu_read_lines(tools_file, &T);
    if (!tools || T == 0) {
        fprintf(stderr, "ingest: no tool ids in %s\n", tools_file);
        return 1;
    }
    size_t P = T * N_PERSONAS;

    /* pre-build and sign everything */
    int64_t tb = bu_now_ns();
    take *takes = sos_xcalloc((size_t)N, sizeof *takes);
    s_order = sos_xcalloc((size_t)N, sizeof *s_order);
    char *text = sos_xmalloc(4096);
    sos_buf frame = SOS_BUF_INIT;
    size_t bytes = 0;
    unsigned max_rev = 0;
    uint64_t filed_at = (uint64_t)time(NULL);
    for (size_t i = 0; i < (size_t)N; i++) {
        take *t = &takes[i];
        unsigned rev;
        t->code = -1;
        t->pair = bu_take_series(i, T, rev_base, keys, tools, filed_at, t->id, &frame, text,
                                 &t->frame, &t->len, &rev);
        if (rev > max_rev)
            max_rev = rev;
        bytes += t->len;
    }
    sos_buf_free(&frame);
    free(text);
    double prep_s = (double)(bu_now_ns() - tb) / 1e9;
    printf("ingest: %ld takes signed in %.2f s (%zu tools, %zu pairs, revisions %u-%u, "
           "%.0f bytes per frame)\n",
           N, prep_s, T, P, rev_base + 1, max_rev, (double)bytes / (double)N);
    fflush(stdout);

    /* partition pairs over clients */
    client *cl = sos_xcalloc((size_t)C, sizeof *cl);
    size_t *pos_of_pair = sos_xmalloc(P * sizeof *pos_of_pair);
    for (int c = 0; c < C; c++) {
        cl[c].idx = c;
        cl[c].endpoint = endpoint;
        cl[c].takes = takes;
        cl[c].inflight = K;
        cl[c].tkey = curve ? tkeys[c % N_PERSONAS] : NULL;
        cl[c].server_key = server_key;
        cl[c].rate = rate > 0 ? rate / C : 0;
        size_t np = 0;
        for (size_t p = (size_t)c; p < P; p += (size_t)C)
            np++;
        cl[c].n_pairs = np;
        cl[c].pairs = sos_xcalloc(np + 1, sizeof *cl[c].pairs);
        cl[c].queue = sos_xcalloc(np + 1, sizeof *cl[c].queue);
        cl[c].qlen = sos_xcalloc(np + 1, sizeof *cl[c].qlen);
        cl[c].qpos = sos_xcalloc(np + 1, sizeof *cl[c].qpos);
        size_t per = (size_t)N / P + 1;
        for (size_t q = 0; q < np; q++) {
            size_t p = (size_t)c + q * (size_t)C;
            cl[c].pairs[q] = (uint32_t)p;
            cl[c].queue[q] = sos_xcalloc(per, sizeof **cl[c].queue);
            pos_of_pair[p] = q;
        }
    }
    for (size_t i = 0; i < (size_t)N; i++) {
        client *c = &cl[takes[i].pair % (size_t)C];
        size_t q = pos_of_pair[takes[i].pair];
        c->queue[q][c->qlen[q]++] = (uint32_t)i;
        c->total++;
    }

    /* the run */
    pthread_t *th = sos_xcalloc((size_t)C, sizeof *th);
    int64_t t0 = bu_now_ns();
    for (int c = 0; c < C; c++) {
        cl[c].t0_ns = t0;
        cl[c].stop_ns = seconds > 0 ? t0 + (int64_t)(seconds * 1e9) : 0;
        if (pthread_create(&th[c], NULL, s_client, &cl[c]) != 0) {
            fprintf(stderr, "ingest: pthread_create failed\n");
            return 1;
        }
    }
    int64_t t_end = t0;
    size_t sent = 0, unanswered = 0;
    int errs = 0;
    int64_t lag_sum = 0, lag_max = 0;
    for (int c = 0; c < C; c++) {
        lag_sum += cl[c].lag_sum_ns;
        if (cl[c].lag_max_ns > lag_max)
            lag_max = cl[c].lag_max_ns;
        pthread_join(th[c], NULL);
        if (cl[c].end_ns > t_end)
            t_end = cl[c].end_ns;
        sent += cl[c].sent;
        unanswered += cl[c].sent - cl[c].answered;
        errs += cl[c].err;
    }
    double wall = (double)(t_end - t0) / 1e9;
    size_t ok = 0, stale = 0, refused = 0, by_code[10] = {0};
    int64_t *lat = sos_xmalloc(((size_t)N + 1) * sizeof *lat);
    size_t nlat = 0;
    for (size_t i = 0; i < (size_t)N; i++) {
        int code = takes[i].code;
        if (code < 0)
            continue;
        lat[nlat++] = takes[i].lat_ns;
        if (code == 0)
            ok++;
        else if (code == SOS__CODE__CODE_STALE)
            stale++;
        else
            refused++;
        if (code >= 0 && code < 10)
            by_code[code]++;
    }
    qsort(lat, nlat, sizeof *lat, bu_cmp_i64);
    double acks_s = (double)ok / wall;
    double p50 = bu_pct_ms(lat, nlat, 0.50), p99 = bu_pct_ms(lat, nlat, 0.99),
           p999 = bu_pct_ms(lat, nlat, 0.999), pmax = nlat ? (double)lat[nlat - 1] / 1e6 : 0;
    printf("ingest: %zu sent, %zu answered in %.2f s by %d clients x %d in flight%s\n", sent, nlat,
           wall, C, K, rate > 0 ? " (paced)" : "");
    if (rate > 0)
        printf("ingest: paced at %.0f/s (latency from the scheduled send time; send lag mean "
               "%.2f ms, max %.2f ms)\n",
               rate, sent ? (double)lag_sum / 1e6 / (double)sent : 0.0, (double)lag_max / 1e6);
    printf("ingest: OK %zu, STALE %zu, refused %zu (", ok, stale, refused);
    for (int k = 1; k < 10; k++)
        if (by_code[k])
            printf(" code%d=%zu", k, by_code[k]);
    printf(" ), unanswered %zu\n", unanswered);
    printf("ingest: acknowledged takes/s %.0f\n", acks_s);
    printf("ingest: latency ms p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n", p50, p99, p999, pmax);
    fflush(stdout);

    if (acked) {
        size_t *per_tool = sos_xcalloc(T, sizeof *per_tool);
        for (size_t i = 0; i < (size_t)N; i++)
            if (takes[i].code == 0)
                per_tool[takes[i].pair / N_PERSONAS]++;
        FILE *f = fopen(acked, "w");
        if (!f) {
            fprintf(stderr, "ingest: cannot write %s\n", acked);
            return 1;
        }
        for (size_t t = 0; t < T; t++)
            fprintf(f, "%s %zu\n", tools[t], per_tool[t]);
        fclose(f);
        free(per_tool);
    }

    double limit = -1;
    if (!no_limit) {
        unsigned vthreads = 0;
        /* in the order sent (those never sent, if any, last) */
        take *ordered = sos_xcalloc((size_t)N, sizeof *ordered);
        bool *used = sos_xcalloc((size_t)N, sizeof *used);
        size_t m = 0, ns = atomic_load(&s_nsent);
        for (size_t i = 0; i < ns; i++) {
            ordered[m++] = takes[s_order[i]];
            used[s_order[i]] = true;
        }
        for (size_t i = 0; i < (size_t)N; i++)
            if (!used[i])
                ordered[m++] = takes[i];
        limit = s_limit(ordered, (size_t)N, limit_dir, tools, T, keys, &vthreads);
        free(ordered);
        free(used);
        if (limit > 0)
            printf("ingest: in-process limit (scoring's code, %u verifier thread(s), a commit "
                   "per %d, no sockets) %.0f takes/s; acknowledged/limit %.3f\n",
                   vthreads, BATCH, limit, acks_s / limit);
    }
    printf(
        "{\"takes\":%ld,\"clients\":%d,\"inflight\":%d,\"rate\":%.1f,\"sent\":%zu,"
        "\"answered\":%zu,\"ok\":%zu,\"stale\":%zu,\"refused\":%zu,\"unanswered\":%zu,"
        "\"seconds\":%.3f,\"acks_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
        "\"p999_ms\":%.3f,\"max_ms\":%.3f,\"limit_per_s\":%.1f,\"ratio\":%.4f,"
        "\"bytes_per_take\":%.0f,\"max_revision\":%u,\"lag_mean_ms\":%.3f,\"lag_max_ms\":%.3f}\n",
        N, C, K, rate, sent, nlat, ok, stale, refused, unanswered, wall, acks_s, p50, p99, p999,
        pmax, limit, limit > 0 ? acks_s / limit : 0.0, (double)bytes / (double)N, max_rev,
        sent ? (double)lag_sum / 1e6 / (double)sent : 0.0, (double)lag_max / 1e6);
    for (int p = 0; p < N_PERSONAS; p++) {
        sos_key_destroy(&keys[p]);
        sos_tkey_destroy(&tkeys[p]);
    }
    free(s_order);
    return unanswered || errs ? 1 : 0;
}
