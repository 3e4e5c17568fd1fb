/* scale_load: pipelined bulk loads through the real daemons, for
 * scale_bench.py and pipeline_bench.py (docs/performance.md).
 *
 *   scale_load tools ENDPOINT OUT_IDS --count N --editor-key FILE [--prefix NAME]
 *                    [--start S]
 *   scale_load compare ENDPOINT PAIRS_FILE OUT_SLUGS --editor-key FILE
 *   scale_load takes ENDPOINT KEYDIR IDS_FILE [--personas P] [--first-persona F]
 *                    [--text-bytes B] [--slice S] [--timeline FILE]
 *   common: [--clients C] [--inflight K]
 *
 * tools and compare are an editor's signed requests, signed with the secret
 * key FILE (a registered editor's) before the clock starts.
 * tools: submits N tools named "NAME 000001"... (submission's tool_submit)
 * and writes the ids submission assigned, one a line, in order.
 * compare: one comparison per line "A B" of PAIRS_FILE (compare_create);
 * writes the slugs, one a line, in order ("-" for a refused pair).
 * takes: for every tool of IDS_FILE, one revision-1 take by each of the P
 * personas F, F+1, ... (1 Builder .. 5 Creator), signed with KEYDIR's
 * <persona>.key (lowercase), with a text of about B bytes; take j goes to
 * tool j / P. All takes are signed before the clock starts (two threads).
 *
 * Every load runs C client threads, each with its own DEALER and up to K
 * requests in flight, request j on client j mod C; replies are matched by
 * request id (16 random bytes; for a take also its take id). A request
 * that gets no reply within 30 s stops the run (exit 1): no retries, so
 * counts are exact. Prints a summary and, last, one JSON line: counts per
 * reply code, wall time, rate, ack latency percentiles and, for takes, the
 * rate of each consecutive slice of S acknowledgements (in ack order), so
 * the caller can compare the rate on an empty store with the rate at the
 * end. --timeline FILE writes one line per second: "second acks_in_it".
 * --watch NAME=PID (repeatable) with --stats FILE: every 0.2 s while the
 * load runs, one line "seconds acks NAME cpu_ticks write_bytes ..." with
 * the acknowledgements so far and each watched process's CPU time
 * (utime + stime from /proc/PID/stat, in clock ticks) and bytes written
 * to storage (/proc/PID/io write_bytes), so the caller can compare the
 * cost per take at the start and at the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchutil.h"
#include "buf.h"
#include "envelope.h"
#include "scoring.pb-c.h"
#include "sign.h"
#include "sos.pb-c.h"
#include "submission.pb-c.h"
#include "wire.h"

#define ID_BYTES SOS_ID_BYTES
#define STALL_MS 30000
#define MAX_RESULT 300

static const char *const s_persona_file[6] = {"",         "builder", "skeptic",
                                              "futurist", "founder", "creator"};
static const char *const s_persona_name[6] = {"",         "Builder", "Skeptic",
                                              "Futurist", "Founder", "Creator"};

typedef enum { LOAD_TOOLS, LOAD_COMPARE, LOAD_TAKES } load_kind;

typedef struct {
    uint8_t *frame;
    size_t len;
    uint8_t id[ID_BYTES];
    int code; /* -1: no reply */
    int64_t sent_ns, ack_ns;
    char *result; /* tool id or slug from the reply, malloc'd */
} req;

typedef struct {
    int idx, n_clients, inflight;
    const char *endpoint;
    load_kind kind;
    req *reqs;
    size_t n;
    size_t sent, answered;
    size_t answered_pub; /* answered, for the stats thread (atomic) */
    int err;
} client;

/* Reads a reply: request id, status code and the load's result string. */
static int s_parse_reply(load_kind kind, const uint8_t *data, size_t len, uint8_t id[ID_BYTES],
                         int *code, char **result)
{
    *result = NULL;
    if (kind == LOAD_TAKES) {
        Sos__ScoringReply *r =
            (Sos__ScoringReply *)sos_unpack(&sos__scoring_reply__descriptor, data, len);
        if (!r)
            return -1;
        int ok = r->request_id.len == ID_BYTES;
        if (ok)
            memcpy(id, r->request_id.data, ID_BYTES);
        *code = r->status ? (int)r->status->code : 0;
        sos__scoring_reply__free_unpacked(r, NULL);
        return ok ? 0 : -1;
    }
    Sos__SubmissionReply *r =
        (Sos__SubmissionReply *)sos_unpack(&sos__submission_reply__descriptor, data, len);
    if (!r)
        return -1;
    int ok = r->request_id.len == ID_BYTES;
    if (ok)
        memcpy(id, r->request_id.data, ID_BYTES);
    *code = r->status ? (int)r->status->code : 0;
    if (*code == 0 && r->body_case == SOS__SUBMISSION_REPLY__BODY_TOOL && r->tool)
        *result = sos_xstrdup(r->tool->tool_id);
    else if (*code == 0 && r->body_case == SOS__SUBMISSION_REPLY__BODY_COMPARISON && r->comparison)
        *result = sos_xstrdup(r->comparison->slug);
    sos__submission_reply__free_unpacked(r, NULL);
    return ok ? 0 : -1;
}

static void *s_client(void *arg)
{
    client *c = arg;
    sos_wire *w = NULL;
    sos_sock *s = NULL;
    if (sos_wire_new(&w) != 0 || sos_sock_new(w, SOS_SOCK_DEALER, c->endpoint, &s) != 0) {
        c->err = 1;
        if (w)
            sos_wire_destroy(&w);
        return NULL;
    }
    int K = c->inflight;
    long *slot = sos_xmalloc((size_t)K * sizeof *slot);
    for (int k = 0; k < K; k++)
        slot[k] = -1;
    size_t next = (size_t)c->idx, mine = 0;
    for (size_t i = (size_t)c->idx; i < c->n; i += (size_t)c->n_clients)
        mine++;
    int busy = 0;
    int64_t last_progress = bu_now_ns();
    while (c->answered < mine) {
        while (busy < K && next < c->n) {
            req *r = &c->reqs[next];
            sos_frame f = {r->frame, r->len};
            if (sos_sock_send(s, &f, 1) != 0) {
                if (errno == EAGAIN)
                    break;
                fprintf(stderr, "scale_load: client %d: send: %s\n", c->idx, strerror(errno));
                c->err = 1;
                goto out;
            }
            r->sent_ns = bu_now_ns();
            int k = 0;
            while (slot[k] != -1)
                k++;
            slot[k] = (long)next;
            busy++;
            c->sent++;
            next += (size_t)c->n_clients;
        }
        bool rd = false;
        sos_sock *ss[1] = {s};
        int pr = sos_wire_poll(ss, 1, &rd, 100);
        if (pr < 0 && errno != EINTR)
            break;
        if (!rd) {
            if (bu_now_ns() - last_progress > (int64_t)STALL_MS * 1000000) {
                fprintf(stderr, "scale_load: client %d: no reply for %d s, %d in flight\n", c->idx,
                        STALL_MS / 1000, busy);
                c->err = 1;
                break;
            }
            continue;
        }
        for (;;) {
            sos_frames fr = {0};
            if (sos_sock_recv(s, &fr) != 0)
                break;
            int64_t at = bu_now_ns();
            uint8_t id[ID_BYTES];
            int code = -2;
            char *result = NULL;
            if (fr.n != 1 || s_parse_reply(c->kind, fr.data[0], fr.len[0], id, &code, &result)) {
                fprintf(stderr, "scale_load: client %d: unparsable reply\n", c->idx);
                sos_frames_clear(&fr);
                continue;
            }
            sos_frames_clear(&fr);
            int k = 0;
            for (; k < K; k++)
                if (slot[k] >= 0 && memcmp(c->reqs[slot[k]].id, id, ID_BYTES) == 0)
                    break;
            if (k == K) {
                free(result);
                fprintf(stderr, "scale_load: client %d: reply for no request in flight\n", c->idx);
                continue;
            }
            req *r = &c->reqs[slot[k]];
            r->code = code;
            r->ack_ns = at;
            r->result = result;
            slot[k] = -1;
            busy--;
            c->answered++;
            __atomic_store_n(&c->answered_pub, c->answered, __ATOMIC_RELAXED);
            last_progress = at;
        }
    }
out:
    free(slot);
    sos_sock_destroy(&s);
    sos_wire_destroy(&w);
    return NULL;
}

static void s_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* ~bytes of text, different per take. */
static void s_text(char *out, size_t cap, const char *tool, const char *persona, size_t i,
                   size_t bytes)
{
    int n = snprintf(out, cap, "%s on %s (take %zu). ", persona, tool, i);
    bu_text_fill(out, cap, n > 0 && (size_t)n < cap ? (size_t)n : 0,
                 bytes + (i * 37) % (bytes / 8 + 1), i);
}

static void s_store_frame(req *r, sos_buf *frame)
{
    r->frame = sos_xmalloc(frame->len);
    memcpy(r->frame, frame->data, frame->len);
    r->len = frame->len;
    r->code = -1;
}

/* The editor who signs tools and comparisons (--editor-key). */
static sos_key *s_editor;

/* Packs an editorial SubmissionRequest for act (its oneof set) under r's id
 * into frame. */
static void s_editorial(req *r, Sos__EditorAction *act, sos_buf *frame)
{
    sos_buf payload = SOS_BUF_INIT;
    uint8_t sig[SOS_SIG_BYTES];
    Sos__Signed env;
    act->request_id = (ProtobufCBinaryData){ID_BYTES, r->id};
    act->issued_at = (uint64_t)time(NULL);
    sos_envelope_seal(&sos_envelope_editorial, s_editor, &act->base, &payload, sig, &env);
    Sos__SubmissionRequest rq = SOS__SUBMISSION_REQUEST__INIT;
    rq.request_id = act->request_id;
    rq.body_case = SOS__SUBMISSION_REQUEST__BODY_EDITORIAL;
    rq.editorial = &env;
    sos_buf_pack(frame, &rq.base);
    sos_buf_free(&payload);
}

static void s_build_tool(req *r, const char *prefix, size_t i)
{
    char name[160], desc[400];
    sos_buf frame = SOS_BUF_INIT;
    snprintf(name, sizeof name, "%s %06zu", prefix, i);
    snprintf(desc, sizeof desc,
             "%s is a synthetic tool of the scale benchmark: it writes, summarizes and "
             "answers questions about your documents, with an API, a web app and plugins "
             "for the usual editors.",
             name);
    sos_id_new(r->id);
    Sos__Tool t = SOS__TOOL__INIT;
    t.name = name;
    t.vendor = (char *)"Bench Labs";
    t.tagline = (char *)"A synthetic tool for the scale benchmark";
    t.category = (char *)(i % 3 == 0 ? "Writing" : i % 3 == 1 ? "Developer Tools" : "Research");
    t.tier = (Sos__Tier)(1 + i % 3);
    t.pricing = (char *)"Free tier; Pro $12/month";
    t.description = desc;
    t.link = (char *)"";
    Sos__EditorAction a = SOS__EDITOR_ACTION__INIT;
    a.act_case = SOS__EDITOR_ACTION__ACT_TOOL_SUBMIT;
    a.tool_submit = &t;
    s_editorial(r, &a, &frame);
    s_store_frame(r, &frame);
    sos_buf_free(&frame);
}

static int s_build_compare(req *r, const char *line)
{
    char a[MAX_RESULT], b[MAX_RESULT];
    sos_buf frame = SOS_BUF_INIT;
    if (sscanf(line, "%299s %299s", a, b) != 2)
        return -1;
    sos_id_new(r->id);
    Sos__Comparison cm = SOS__COMPARISON__INIT;
    cm.tool_a = a;
    cm.tool_b = b;
    Sos__EditorAction act = SOS__EDITOR_ACTION__INIT;
    act.act_case = SOS__EDITOR_ACTION__ACT_COMPARE_CREATE;
    act.compare_create = &cm;
    s_editorial(r, &act, &frame);
    s_store_frame(r, &frame);
    sos_buf_free(&frame);
    return 0;
}

typedef struct {
    req *reqs;
    size_t from, to;
    char **tools;
    unsigned personas, first;
    sos_key **keys;
    size_t text_bytes;
    uint64_t filed_at;
} signer;

static void *s_sign_range(void *arg)
{
    signer *g = arg;
    char *text = sos_xmalloc(g->text_bytes * 2 + 256);
    sos_buf payload = SOS_BUF_INIT, frame = SOS_BUF_INIT;
    for (size_t j = g->from; j < g->to; j++) {
        req *r = &g->reqs[j];
        const char *tool = g->tools[j / g->personas];
        unsigned p = g->first + (unsigned)(j % g->personas);
        sos_id_new(r->id);
        s_text(text, g->text_bytes * 2 + 256, tool, s_persona_name[p], j, g->text_bytes);
        Sos__TakeBody body = SOS__TAKE_BODY__INIT;
        body.take_id = (ProtobufCBinaryData){ID_BYTES, r->id};
        body.tool_id = (char *)tool;
        body.persona = (Sos__Persona)p;
        body.score = (uint32_t)((j * 7 + p * 13) % 101);
        body.ship = (j + p) % 3 != 0;
        body.text = text;
        body.revision = 1;
        body.filed_at = g->filed_at;
        sos_buf_pack(&payload, &body.base);
        uint8_t sig[SOS_SIG_BYTES];
        sos_sign(g->keys[p], SOS_DOMAIN_TAKE, payload.data, payload.len, sig);
        Sos__Signed sg = SOS__SIGNED__INIT;
        sg.payload = (ProtobufCBinaryData){payload.len, payload.data};
        sg.signer = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(g->keys[p])};
        sg.signature = (ProtobufCBinaryData){SOS_SIG_BYTES, sig};
        Sos__ScoringRequest rq = SOS__SCORING_REQUEST__INIT;
        rq.request_id = (ProtobufCBinaryData){ID_BYTES, r->id};
        rq.body_case = SOS__SCORING_REQUEST__BODY_TAKE_FILE;
        rq.take_file = &sg;
        sos_buf_pack(&frame, &rq.base);
        s_store_frame(r, &frame);
    }
    sos_buf_free(&payload);
    sos_buf_free(&frame);
    free(text);
    return NULL;
}

#define MAX_WATCH 8

/* utime + stime of pid in clock ticks, and its write_bytes; -1 when gone. */
static int s_proc_stats(long pid, unsigned long long *ticks, unsigned long long *wbytes)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    *ticks = ut + st;
    *wbytes = 0;
    snprintf(path, sizeof path, "/proc/%ld/io", pid);
    if ((f = fopen(path, "r")) != NULL) {
        while (fgets(buf, sizeof buf, f))
            if (sscanf(buf, "write_bytes: %llu", wbytes) == 1)
                break;
        fclose(f);
    }
    return 0;
}

typedef struct {
    const char *path;
    const char *name[MAX_WATCH];
    long pid[MAX_WATCH];
    int n;
    client *cl;
    int n_clients;
    int64_t t0;
    int stop;
} stats;

static void *s_stats(void *arg)
{
    stats *s = arg;
    FILE *f = fopen(s->path, "w");
    if (!f)
        return NULL;
    while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
        size_t acks = 0;
        for (int c = 0; c < s->n_clients; c++)
            acks += __atomic_load_n(&s->cl[c].answered_pub, __ATOMIC_RELAXED);
        fprintf(f, "%.3f %zu", (double)(bu_now_ns() - s->t0) / 1e9, acks);
        for (int i = 0; i < s->n; i++) {
            unsigned long long ticks = 0, wb = 0;
            (void)s_proc_stats(s->pid[i], &ticks, &wb);
            fprintf(f, " %s %llu %llu", s->name[i], ticks, wb);
        }
        fputc('\n', f);
        fflush(f);
        s_sleep_ms(200);
    }
    fclose(f);
    return NULL;
}

static int s_usage(void)
{
    fprintf(stderr,
            "usage: scale_load tools ENDPOINT OUT_IDS --count N --editor-key FILE\n"
            "                        [--prefix NAME] [--start S]\n"
            "       scale_load compare ENDPOINT PAIRS_FILE OUT_SLUGS --editor-key FILE\n"
            "       scale_load takes ENDPOINT KEYDIR IDS_FILE [--personas P] [--first-persona F]\n"
            "                        [--text-bytes B] [--slice S] [--timeline FILE]\n"
            "       common: [--clients C] [--inflight K] [--watch NAME=PID ... --stats FILE]\n");
    return 64;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, 0, 'n'},         {"prefix", required_argument, 0, 'p'},
        {"start", required_argument, 0, 's'},         {"personas", required_argument, 0, 'P'},
        {"first-persona", required_argument, 0, 'F'}, {"text-bytes", required_argument, 0, 'b'},
        {"slice", required_argument, 0, 'S'},         {"timeline", required_argument, 0, 't'},
        {"clients", required_argument, 0, 'c'},       {"inflight", required_argument, 0, 'k'},
        {"watch", required_argument, 0, 'w'},         {"stats", required_argument, 0, 'x'},
        {"editor-key", required_argument, 0, 'E'},    {0, 0, 0, 0}};
    stats sx = {0};
    long count = 0, start = 1, slice = 0;
    unsigned personas = 5, first = 1;
    size_t text_bytes = 600;
    int C = 2, K = 32;
    const char *prefix = "Scale Tool", *timeline = NULL, *editor_key = NULL;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'n': count = atol(optarg); break;
        case 'p': prefix = optarg; break;
        case 's': start = atol(optarg); break;
        case 'P': personas = (unsigned)atoi(optarg); break;
        case 'F': first = (unsigned)atoi(optarg); break;
        case 'b': text_bytes = (size_t)atol(optarg); break;
        case 'S': slice = atol(optarg); break;
        case 't': timeline = optarg; break;
        case 'c': C = atoi(optarg); break;
        case 'k': K = atoi(optarg); break;
        case 'w': {
            char *eq = strchr(optarg, '=');
            if (!eq || sx.n == MAX_WATCH)
                return s_usage();
            *eq = 0;
            sx.name[sx.n] = optarg;
            sx.pid[sx.n++] = atol(eq + 1);
            break;
        }
        case 'x': sx.path = optarg; break;
        case 'E': editor_key = optarg; break;
        default: return s_usage();
        }
    }
    if (argc - optind < 3 || C < 1 || K < 1)
        return s_usage();
    const char *verb = argv[optind], *endpoint = argv[optind + 1];
    load_kind kind;
    req *reqs = NULL;
    size_t n = 0;
    const char *out_path = NULL;
    if (sos_sign_init() != 0)
        return 1;
    if (strcmp(verb, "takes") != 0 && (!editor_key || sos_key_load(editor_key, &s_editor) != 0)) {
        fprintf(stderr, "scale_load: %s needs --editor-key FILE, a registered editor's key\n",
                verb);
        return 64;
    }
    int64_t tb = bu_now_ns();
    if (strcmp(verb, "tools") == 0 && argc - optind == 3 && count > 0) {
        kind = LOAD_TOOLS;
        out_path = argv[optind + 2];
        n = (size_t)count;
        reqs = sos_xcalloc(n, sizeof *reqs);
        for (size_t i = 0; i < n; i++)
            s_build_tool(&reqs[i], prefix, (size_t)start + i);
    } else if (strcmp(verb, "compare") == 0 && argc - optind == 4) {
        kind = LOAD_COMPARE;
        out_path = argv[optind + 3];
        char **lines = bu_read_lines(argv[optind + 2], &n);
        if (!lines || n == 0) {
            fprintf(stderr, "scale_load: no pairs in %s\n", argv[optind + 2]);
            return 1;
        }
        reqs = sos_xcalloc(n, sizeof *reqs);
        for (size_t i = 0; i < n; i++) {
            if (s_build_compare(&reqs[i], lines[i]) != 0) {
                fprintf(stderr, "scale_load: bad pair line %zu\n", i + 1);
                return 1;
            }
            free(lines[i]);
        }
        free(lines);
    } else if (strcmp(verb, "takes") == 0 && argc - optind == 4) {
        kind = LOAD_TAKES;
        if (personas < 1 || first < 1 || first + personas > 6 || text_bytes < 1 ||
            text_bytes > 8000)
            return s_usage();
        sos_key *keys[6] = {0};
        for (unsigned p = first; p < first + personas; p++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s.key", argv[optind + 2], s_persona_file[p]);
            if (sos_key_load(path, &keys[p]) != 0) {
                fprintf(stderr, "scale_load: cannot load %s\n", path);
                return 1;
            }
        }
        size_t T = 0;
        char **tools = bu_read_lines(argv[optind + 3], &T);
        if (!tools || T == 0) {
            fprintf(stderr, "scale_load: no tool ids in %s\n", argv[optind + 3]);
            return 1;
        }
        n = T * personas;
        reqs = sos_xcalloc(n, sizeof *reqs);
        signer g[2];
        pthread_t th[2];
        for (int i = 0; i < 2; i++) {
            g[i] =
                (signer){reqs, n * (size_t)i / 2, n * (size_t)(i + 1) / 2, tools, personas, first,
                         keys, text_bytes,        (uint64_t)time(NULL)};
            if (pthread_create(&th[i], NULL, s_sign_range, &g[i]) != 0)
                return 1;
        }
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        for (unsigned p = 0; p < 6; p++)
            sos_key_destroy(&keys[p]);
    } else {
        return s_usage();
    }
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += reqs[i].len;
    printf("scale_load: %s: %zu requests built in %.2f s (%.0f bytes per frame)\n", verb, n,
           (double)(bu_now_ns() - tb) / 1e9, n ? (double)bytes / (double)n : 0.0);
    fflush(stdout);

    client *cl = sos_xcalloc((size_t)C, sizeof *cl);
    pthread_t *th = sos_xcalloc((size_t)C, sizeof *th);
    int64_t t0 = bu_now_ns();
    for (int c = 0; c < C; c++) {
        cl[c] = (client){.idx = c,
                         .n_clients = C,
                         .inflight = K,
                         .endpoint = endpoint,
                         .kind = kind,
                         .reqs = reqs,
                         .n = n};
        if (pthread_create(&th[c], NULL, s_client, &cl[c]) != 0)
            return 1;
    }
    pthread_t sth;
    bool stats_on = false;
    if (sx.path) {
        sx.cl = cl;
        sx.n_clients = C;
        sx.t0 = t0;
        stats_on = pthread_create(&sth, NULL, s_stats, &sx) == 0;
    }
    int errs = 0;
    for (int c = 0; c < C; c++) {
        pthread_join(th[c], NULL);
        errs += cl[c].err;
    }
    if (stats_on) {
        __atomic_store_n(&sx.stop, 1, __ATOMIC_RELAXED);
        pthread_join(sth, NULL);
    }
    int64_t t_end = t0;
    size_t by_code[10] = {0}, answered = 0, ok = 0;
    int64_t *lat = sos_xmalloc((n + 1) * sizeof *lat);
    int64_t *acks = sos_xmalloc((n + 1) * sizeof *acks);
    size_t nack = 0;
    for (size_t i = 0; i < n; i++) {
        if (reqs[i].code < 0)
            continue;
        answered++;
        if (reqs[i].code < 10)
            by_code[reqs[i].code]++;
        lat[answered - 1] = reqs[i].ack_ns - reqs[i].sent_ns;
        if (reqs[i].ack_ns > t_end)
            t_end = reqs[i].ack_ns;
        if (reqs[i].code == 0) {
            ok++;
            acks[nack++] = reqs[i].ack_ns - t0;
        }
    }
    double wall = (double)(t_end - t0) / 1e9;
    qsort(lat, answered, sizeof *lat, bu_cmp_i64);
    qsort(acks, nack, sizeof *acks, bu_cmp_i64);
    printf("scale_load: %s: %zu sent, %zu answered, %zu OK in %.2f s: %.0f OK/s; "
           "ack latency ms p50 %.2f p99 %.2f max %.2f\n",
           verb, n, answered, ok, wall, wall > 0 ? (double)ok / wall : 0.0,
           bu_pct_ms(lat, answered, 0.5), bu_pct_ms(lat, answered, 0.99),
           bu_pct_ms(lat, answered, 1.0));

    if (out_path) {
        FILE *f = fopen(out_path, "w");
        if (!f) {
            fprintf(stderr, "scale_load: cannot write %s\n", out_path);
            return 1;
        }
        for (size_t i = 0; i < n; i++)
            fprintf(f, "%s\n", reqs[i].result ? reqs[i].result : "-");
        fclose(f);
    }
    if (timeline && nack) {
        FILE *f = fopen(timeline, "w");
        if (f) {
            size_t secs = (size_t)(acks[nack - 1] / 1000000000) + 1;
            size_t *per = sos_xcalloc(secs, sizeof *per);
            for (size_t i = 0; i < nack; i++)
                per[acks[i] / 1000000000]++;
            for (size_t s = 0; s < secs; s++)
                fprintf(f, "%zu %zu\n", s, per[s]);
            fclose(f);
            free(per);
        }
    }
    /* the rate of each slice of S acknowledgements, in ack order */
    sos_buf js = SOS_BUF_INIT;
    char tmp[128];
    sos_buf_append(&js, "[", 1);
    if (slice > 0) {
        for (size_t a = 0; a + (size_t)slice <= nack; a += (size_t)slice) {
            int64_t from = a == 0 ? 0 : acks[a - 1], to = acks[a + (size_t)slice - 1];
            double r = to > from ? (double)slice / ((double)(to - from) / 1e9) : 0;
            int m = snprintf(tmp, sizeof tmp, "%s%.1f", a ? "," : "", r);
            sos_buf_append(&js, tmp, (size_t)m);
        }
    }
    sos_buf_append(&js, "]", 2);
    printf("{\"load\":\"%s\",\"requests\":%zu,\"answered\":%zu,\"ok\":%zu,\"codes\":[", verb, n,
           answered, ok);
    for (int k = 0; k < 10; k++)
        printf("%s%zu", k ? "," : "", by_code[k]);
    printf("],\"seconds\":%.3f,\"ok_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
           "\"bytes_per_frame\":%.0f,\"slice\":%ld,\"slice_rates\":%s}\n",
           wall, wall > 0 ? (double)ok / wall : 0.0, bu_pct_ms(lat, answered, 0.5),
           bu_pct_ms(lat, answered, 0.99), bu_pct_ms(lat, answered, 1.0),
           n ? (double)bytes / (double)n : 0.0, slice, (const char *)js.data);
    sos_buf_free(&js);
    return errs || answered != n ? 1 : 0;
}
