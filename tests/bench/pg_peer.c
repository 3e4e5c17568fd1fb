/* pg_peer: the ingest work done the way many teams would build it, as a peer
 * for ingest.c: PostgreSQL, one row per signed take, one durable commit
 * (synchronous_commit = on) per take, the signature verified by the client.
 *
 *   pg_peer CONNINFO KEYDIR TOOLS_FILE --clients C --takes N [--tools T]
 *           [--table NAME] [--no-verify]
 *
 * KEYDIR holds builder.key, skeptic.key, futurist.key, founder.key as for
 * ingest ("-": four fresh keys); TOOLS_FILE one tool id per line ("-": T
 * synthetic ids, default 100).
 *
 * Before the clock starts, N takes are built and signed exactly as ingest.c
 * builds them (same pairs, revisions, ~1.7 KB text, Ed25519 over the
 * TakeBody, packed into the same ScoringRequest frame: about 1.95 KB), the
 * table is created if missing and C connections are opened, each with
 * SET synchronous_commit = on and the INSERT prepared. Then C threads, one
 * connection each, take the next take from a shared counter and, as the
 * scoring daemon would: unpack the frame, check the signer and signature
 * sizes, verify the signature (Ed25519), unpack the TakeBody and check that
 * the signer is the persona's key; then run the prepared
 *   INSERT INTO takes (take_id, tool_id, persona, score, signer, signature,
 *                      payload) VALUES (...) ON CONFLICT (take_id) DO NOTHING
 * in autocommit (one transaction, one WAL flush wait, per take). A take is
 * acknowledged when the INSERT returns COMMAND_OK. Latency is per take on
 * CLOCK_MONOTONIC from the start of the unpack to the INSERT's result, one
 * in flight per connection. --no-verify skips the unpack/verify step (the
 * body is still unpacked for the columns) to show PostgreSQL alone.
 *
 * Prints a human summary and, last, one JSON line. Exit 0 when every take
 * was acknowledged, 1 otherwise, 64 on usage. */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "benchutil.h"
#include "buf.h"
#include "scoring.pb-c.h"
#include "sign.h"
#include "sos.pb-c.h"

#define N_PERSONAS BU_PERSONAS
#define ID_BYTES SOS_ID_BYTES
#define N_SETTINGS 6

static const char *const s_settings[N_SETTINGS] = {"server_version",     "fsync",
                                                   "synchronous_commit", "wal_sync_method",
                                                   "commit_delay",       "shared_buffers"};

typedef struct {
    uint8_t *frame; /* packed ScoringRequest, as ingest sends it */
    size_t len;
    uint8_t id[ID_BYTES];
    int code; /* 0 acknowledged, 1 refused (signature), 2 SQL error; -1 not done */
    int64_t lat_ns;
} take;

typedef struct {
    int idx;
    PGconn *conn;
    take *takes;
    size_t n;
    atomic_size_t *next;
    const uint8_t (*pk)[SOS_PK_BYTES]; /* the personas' public keys */
    bool verify;
    /* results */
    size_t done, inserted, conflicts, bad, errors;
    int64_t end_ns;
} client;

static bool s_exec_ok(PGconn *conn, const char *sql)
{
    PGresult *r = PQexec(conn, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "pg_peer: %s: %s", sql, PQerrorMessage(conn));
    PQclear(r);
    return ok;
}

static PGconn *s_connect(const char *conninfo, const char *table)
{
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "pg_peer: connect: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO %s (take_id, tool_id, persona, score, signer, signature, payload) "
             "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (take_id) DO NOTHING",
             table);
    PGresult *r = NULL;
    if (!s_exec_ok(conn, "SET synchronous_commit = on"))
        goto fail;
    r = PQprepare(conn, "ins", sql, 7, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "pg_peer: prepare: %s", PQerrorMessage(conn));
        goto fail;
    }
    PQclear(r);
    return conn;
fail:
    PQclear(r);
    PQfinish(conn);
    return NULL;
}

/* The server's value of a setting, into out; "?" when it cannot be read. */
static void s_show(PGconn *conn, const char *name, char *out, size_t cap)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SHOW %s", name);
    PGresult *r = PQexec(conn, sql);
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
    else
        snprintf(out, cap, "?");
    PQclear(r);
}

static void *s_client(void *arg)
{
    client *c = arg;
    for (;;) {
        size_t i = atomic_fetch_add(c->next, 1);
        if (i >= c->n)
            break;
        take *t = &c->takes[i];
        int64_t t0 = bu_now_ns();
        Sos__ScoringRequest *rq =
            (Sos__ScoringRequest *)sos_unpack(&sos__scoring_request__descriptor, t->frame, t->len);
        Sos__Signed *sg = rq ? rq->take_file : NULL;
        Sos__TakeBody *b = NULL;
        bool good = sg && sg->signer.len == SOS_PK_BYTES && sg->signature.len == SOS_SIG_BYTES;
        if (good && c->verify)
            good = sos_verify(sg->signer.data, SOS_DOMAIN_TAKE, sg->payload.data, sg->payload.len,
                              sg->signature.data) == 0;
        if (good)
            b = (Sos__TakeBody *)sos_unpack(&sos__take_body__descriptor, sg->payload.data,
                                            sg->payload.len);
        good = good && b && b->persona >= 1 && b->persona <= N_PERSONAS &&
               b->take_id.len == ID_BYTES &&
               memcmp(sg->signer.data, c->pk[b->persona - 1], SOS_PK_BYTES) == 0;
        if (!good) {
            t->code = 1;
            c->bad++;
        } else {
            char score[16];
            snprintf(score, sizeof score, "%u", b->score);
            const char *vals[7] = {
                (const char *)b->take_id.data,   b->tool_id,
                bu_persona_name[b->persona - 1], score,
                (const char *)sg->signer.data,   (const char *)sg->signature.data,
                (const char *)sg->payload.data};
            int lens[7] = {
                (int)b->take_id.len, 0, 0, 0, (int)sg->signer.len, (int)sg->signature.len,
                (int)sg->payload.len};
            int fmts[7] = {1, 0, 0, 0, 1, 1, 1};
            PGresult *r = PQexecPrepared(c->conn, "ins", 7, vals, lens, fmts, 0);
            if (PQresultStatus(r) == PGRES_COMMAND_OK) {
                t->code = 0;
                if (strcmp(PQcmdTuples(r), "1") == 0)
                    c->inserted++;
                else
                    c->conflicts++;
            } else {
                t->code = 2;
                if (c->errors++ < 3)
                    fprintf(stderr, "pg_peer: client %d: insert: %s", c->idx,
                            PQerrorMessage(c->conn));
            }
            PQclear(r);
        }
        t->lat_ns = bu_now_ns() - t0;
        c->done++;
        if (b)
            sos__take_body__free_unpacked(b, NULL);
        if (rq)
            sos__scoring_request__free_unpacked(rq, NULL);
        if (PQstatus(c->conn) != CONNECTION_OK) {
            fprintf(stderr, "pg_peer: client %d: connection lost\n", c->idx);
            break;
        }
    }
    c->end_ns = bu_now_ns();
    return NULL;
}

static int s_usage(void)
{
    fprintf(stderr, "usage: pg_peer CONNINFO KEYDIR|- TOOLS_FILE|- --clients C --takes N\n"
                    "               [--tools T] [--table NAME] [--no-verify]\n");
    return 64;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"clients", required_argument, 0, 'c'}, {"takes", required_argument, 0, 'n'},
        {"tools", required_argument, 0, 't'},   {"table", required_argument, 0, 'T'},
        {"no-verify", no_argument, 0, 'V'},     {0, 0, 0, 0}};
    int C = 4;
    long N = 20000, n_tools = 100;
    const char *table = "takes";
    bool verify = true;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'c': C = atoi(optarg); break;
        case 'n': N = atol(optarg); break;
        case 't': n_tools = atol(optarg); break;
        case 'T': table = optarg; break;
        case 'V': verify = false; break;
        default: return s_usage();
        }
    }
    if (argc - optind != 3 || C < 1 || N < 1 || n_tools < 1 ||
        strspn(table, "abcdefghijklmnopqrstuvwxyz_0123456789") != strlen(table) || !table[0])
        return s_usage();
    const char *conninfo = argv[optind], *keydir = argv[optind + 1], *tools_file = argv[optind + 2];
    if (sos_sign_init() != 0)
        return 1;

    sos_key *keys[N_PERSONAS] = {0};
    uint8_t pk[N_PERSONAS][SOS_PK_BYTES];
    for (int p = 0; p < N_PERSONAS; p++) {
        char path[4096];
        int pn = snprintf(path, sizeof path, "%s/%s.key", keydir, bu_persona_file[p]);
        if (strcmp(keydir, "-") == 0
                ? sos_key_generate(&keys[p]) != 0
                : pn < 0 || (size_t)pn >= sizeof path || sos_key_load(path, &keys[p]) != 0) {
            fprintf(stderr, "pg_peer: cannot load %s/%s.key\n", keydir, bu_persona_file[p]);
            return 1;
        }
        memcpy(pk[p], sos_key_public(keys[p]), SOS_PK_BYTES);
    }
    size_t T = 0;
    char **tools = NULL;
    if (strcmp(tools_file, "-") == 0) {
        T = (size_t)n_tools;
        tools = sos_xcalloc(T, sizeof *tools);
        for (size_t t = 0; t < T; t++) {
            char id[32];
            snprintf(id, sizeof id, "pg-tool-%05zu", t);
            tools[t] = sos_xstrdup(id);
        }
    } else {
        tools = bu_read_lines(tools_file, &T);
    }
    if (!tools || T == 0) {
        fprintf(stderr, "pg_peer: no tool ids in %s\n", tools_file);
        return 1;
    }

    /* pre-build and sign everything, as ingest.c does */
    int64_t tb = bu_now_ns();
    take *takes = sos_xcalloc((size_t)N, sizeof *takes);
    char *text = sos_xmalloc(4096);
    sos_buf frame = SOS_BUF_INIT;
    size_t bytes = 0;
    uint64_t filed_at = (uint64_t)time(NULL);
    for (size_t i = 0; i < (size_t)N; i++) {
        take *t = &takes[i];
        unsigned rev;
        t->code = -1;
        (void)bu_take_series(i, T, 0, keys, tools, filed_at, t->id, &frame, text, &t->frame,
                             &t->len, &rev);
        bytes += t->len;
    }
    sos_buf_free(&frame);
    free(text);
    printf("pg_peer: %ld takes signed in %.2f s (%zu tools, %.0f bytes per frame)\n", N,
           (double)(bu_now_ns() - tb) / 1e9, T, (double)bytes / (double)N);

    /* schema, settings, connections: all before the clock */
    PGconn *admin = PQconnectdb(conninfo);
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "pg_peer: connect: %s", PQerrorMessage(admin));
        return 1;
    }
    char sql[512];
    snprintf(sql, sizeof sql,
             "CREATE TABLE IF NOT EXISTS %s (take_id bytea PRIMARY KEY, tool_id text NOT NULL, "
             "persona text NOT NULL, score integer NOT NULL, signer bytea NOT NULL, "
             "signature bytea NOT NULL, payload bytea NOT NULL)",
             table);
    if (!s_exec_ok(admin, sql))
        return 1;
    client *cl = sos_xcalloc((size_t)C, sizeof *cl);
    atomic_size_t next = 0;
    for (int c = 0; c < C; c++) {
        cl[c] = (client){.idx = c, .takes = takes, .n = (size_t)N, .next = &next, .verify = verify};
        cl[c].pk = (const uint8_t(*)[SOS_PK_BYTES])pk;
        if (!(cl[c].conn = s_connect(conninfo, table)))
            return 1;
    }
    char set[N_SETTINGS][64];
    for (int s = 0; s < N_SETTINGS; s++)
        s_show(s == 2 ? cl[0].conn : admin, s_settings[s], set[s], sizeof set[s]);
    printf("pg_peer: PostgreSQL %s, fsync %s, synchronous_commit %s (client session), "
           "wal_sync_method %s, commit_delay %s, shared_buffers %s\n",
           set[0], set[1], set[2], set[3], set[4], set[5]);
    fflush(stdout);

    /* the run */
    pthread_t *th = sos_xcalloc((size_t)C, sizeof *th);
    int64_t t0 = bu_now_ns();
    for (int c = 0; c < C; c++)
        if (pthread_create(&th[c], NULL, s_client, &cl[c]) != 0) {
            fprintf(stderr, "pg_peer: pthread_create failed\n");
            return 1;
        }
    int64_t t_end = t0;
    size_t done = 0, inserted = 0, conflicts = 0, bad = 0, errors = 0;
    for (int c = 0; c < C; c++) {
        pthread_join(th[c], NULL);
        if (cl[c].end_ns > t_end)
            t_end = cl[c].end_ns;
        done += cl[c].done;
        inserted += cl[c].inserted;
        conflicts += cl[c].conflicts;
        bad += cl[c].bad;
        errors += cl[c].errors;
        PQfinish(cl[c].conn);
    }
    double wall = (double)(t_end - t0) / 1e9;
    int64_t *lat = sos_xmalloc(((size_t)N + 1) * sizeof *lat);
    size_t nlat = 0, ok = 0;
    for (size_t i = 0; i < (size_t)N; i++) {
        if (takes[i].code < 0)
            continue;
        lat[nlat++] = takes[i].lat_ns;
        ok += takes[i].code == 0;
    }
    qsort(lat, nlat, sizeof *lat, bu_cmp_i64);
    double acks_s = (double)ok / wall;
    double p50 = bu_pct_ms(lat, nlat, 0.50), p99 = bu_pct_ms(lat, nlat, 0.99),
           p999 = bu_pct_ms(lat, nlat, 0.999), pmax = nlat ? (double)lat[nlat - 1] / 1e6 : 0;

    long long rows = -1;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    PGresult *r = PQexec(admin, sql);
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        rows = atoll(PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(admin);

    printf("pg_peer: %zu done in %.2f s by %d connections x 1 in flight%s\n", done, wall, C,
           verify ? "" : " (no signature check)");
    printf("pg_peer: acknowledged %zu (inserted %zu, already there %zu), refused %zu, "
           "SQL errors %zu; %lld rows in %s\n",
           ok, inserted, conflicts, bad, errors, rows, table);
    printf("pg_peer: acknowledged takes/s %.0f\n", acks_s);
    printf("pg_peer: latency ms p50 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n", p50, p99, p999, pmax);
    printf("{\"system\":\"postgresql\",\"takes\":%ld,\"clients\":%d,\"verify\":%s,\"done\":%zu,"
           "\"ok\":%zu,\"inserted\":%zu,\"conflicts\":%zu,\"refused\":%zu,\"errors\":%zu,"
           "\"rows\":%lld,\"seconds\":%.3f,\"acks_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
           "\"p999_ms\":%.3f,\"max_ms\":%.3f,\"bytes_per_take\":%.0f,\"server_version\":\"%s\","
           "\"fsync\":\"%s\",\"synchronous_commit\":\"%s\",\"wal_sync_method\":\"%s\","
           "\"commit_delay\":\"%s\",\"shared_buffers\":\"%s\"}\n",
           N, C, verify ? "true" : "false", done, ok, inserted, conflicts, bad, errors, rows, wall,
           acks_s, p50, p99, p999, pmax, (double)bytes / (double)N, set[0], set[1], set[2], set[3],
           set[4], set[5]);
    for (int p = 0; p < N_PERSONAS; p++)
        sos_key_destroy(&keys[p]);
    return ok == (size_t)N ? 0 : 1;
}
