/* log_bench: what the transparency log costs (docs/performance.md, "The
 * log"). Three measurements in one run:
 *
 *   proofs   a tree of up to --max leaves held in memory as stored hashes
 *            (the layout publishing keeps in LMDB): appends per second,
 *            then at each size of --sizes, inclusion and consistency
 *            proofs made and checked per second (random leaves and sizes,
 *            fixed seed);
 *   cost     --pubs publications into two real stores, one write
 *            transaction each (fsync'd as publishing commits): the event
 *            alone, and the event plus its leaf and a signed checkpoint
 *            (publishing_log_catch_up + publishing_log_sign). The ratio is
 *            the log's extra cost per publication;
 *   size     the two stores' pages in use after --pubs publications: the
 *            log's bytes in the store.
 *
 * Usage: log_bench DIR [--max N] [--sizes A,B,C] [--pubs N] [--proofs N]
 * DIR: a scratch directory (stores are made under it). The last line is
 * one JSON object. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "evlog.h"
#include "merkle.h"
#include "publishing.h"
#include "publishing_log.h"
#include "sign.h"
#include "store.h"

#define H SOS_MERKLE_HASH

typedef struct {
    uint8_t (*level[64])[H];
    uint64_t size;
} s_mem;

static int s_read(void *ctx, unsigned level, uint64_t index, uint8_t out[H])
{
    s_mem *m = ctx;
    memcpy(out, m->level[level][index], H);
    return 0;
}

static uint64_t s_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static double s_rate(uint64_t n, int64_t ns)
{
    return ns > 0 ? (double)n * 1e9 / (double)ns : 0;
}

/* Appends max leaves; proofs at each size. Prints a line per size and
 * adds each figure to json. */
static void s_proofs(uint64_t max, const uint64_t *sizes, size_t nsizes, uint64_t nproofs,
                     FILE *json)
{
    s_mem m = {0};
    for (unsigned l = 0; l < 64 && (max >> l); l++)
        m.level[l] = sos_xmalloc((size_t)(max >> l) * H);
    int64_t t0 = bu_now_ns();
    for (uint64_t n = 0; n < max; n++) {
        uint8_t leaf[H], hashes[SOS_MERKLE_MAX_PATH][H];
        uint64_t d = n * 2654435761u;
        size_t count;
        sos_merkle_leaf((const uint8_t *)&d, sizeof d, leaf);
        if (sos_merkle_append(n, leaf, s_read, &m, hashes, &count) != 0)
            abort();
        for (size_t l = 0; l < count; l++)
            memcpy(m.level[l][n >> l], hashes[l], H);
        m.size = n + 1;
    }
    double appends = s_rate(max, bu_now_ns() - t0);
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("append: %.0f leaves/s (%" PRIu64 " leaves, SHA-256 in memory)\n", appends, max);
    fprintf(json, "\"append_per_s\": %.0f", appends);
    for (size_t i = 0; i < nsizes; i++) {
        uint64_t size = sizes[i], seed = 0x9e3779b97f4a7c15ull;
        uint8_t root[H], path[SOS_MERKLE_MAX_PATH][H];
        size_t len;
        if (size > max || size == 0)
            continue;
        if (sos_merkle_root(size, s_read, &m, root) != 0)
            abort();
        int64_t gen = 0, chk = 0, cgen = 0, cchk = 0;
        for (uint64_t k = 0; k < nproofs; k++) {
            uint64_t idx = s_rand(&seed) % size, old = 1 + s_rand(&seed) % size;
            uint8_t leaf[H], old_root[H];
            memcpy(leaf, m.level[0][idx], H);
            int64_t a = bu_now_ns();
            if (sos_merkle_prove_inclusion(idx, size, s_read, &m, path, &len) != 0)
                abort();
            int64_t b = bu_now_ns();
            if (sos_merkle_check_inclusion(idx, size, leaf, (const uint8_t(*)[H])path, len, root) !=
                SOS_MERKLE_OK)
                abort();
            int64_t c = bu_now_ns();
            if (sos_merkle_root(old, s_read, &m, old_root) != 0)
                abort();
            int64_t d = bu_now_ns();
            if (sos_merkle_prove_consistency(old, size, s_read, &m, path, &len) != 0)
                abort();
            int64_t e = bu_now_ns();
            if (sos_merkle_check_consistency(old, size, old_root, root, (const uint8_t(*)[H])path,
                                             len) != SOS_MERKLE_OK)
                abort();
            int64_t f = bu_now_ns();
            gen += b - a;
            chk += c - b;
            cgen += e - d;
            cchk += f - e;
        }
        printf("size %9" PRIu64 ": inclusion %8.0f made/s %8.0f checked/s; consistency %8.0f "
               "made/s %8.0f checked/s\n",
               size, s_rate(nproofs, gen), s_rate(nproofs, chk), s_rate(nproofs, cgen),
               s_rate(nproofs, cchk));
        fprintf(json,
                ", \"size_%" PRIu64 "\": {\"inclusion_made_per_s\": %.0f, "
                "\"inclusion_checked_per_s\": %.0f, \"consistency_made_per_s\": %.0f, "
                "\"consistency_checked_per_s\": %.0f}",
                size, s_rate(nproofs, gen), s_rate(nproofs, chk), s_rate(nproofs, cgen),
                s_rate(nproofs, cchk));
    }
    for (unsigned l = 0; l < 64; l++)
        free(m.level[l]);
}

typedef struct {
    const Sos__Event *ev;
    const sos_key *key; /* NULL: no log */
    int64_t log_ns;     /* time inside the log's functions */
} s_pub;

static int s_publish(sos_txn *t, void *arg)
{
    s_pub *p = arg;
    Sos__Event ev = *p->ev;
    int rc = sos_evlog_append(t, &ev);
    if (rc == SOS_OK && p->key) {
        int64_t t0 = bu_now_ns();
        if ((rc = publishing_log_catch_up(t, NULL)) == SOS_OK)
            rc = publishing_log_sign(t, p->key, "bench.example/log");
        p->log_ns += bu_now_ns() - t0;
    }
    return rc;
}

static sos_store *s_store_open(const char *dir, const char *name)
{
    char path[4096];
    const char *names[16] = {"meta", "events", "requests"}; /* as the skeleton opens them */
    snprintf(path, sizeof path, "%s/%s", dir, name);
    for (unsigned i = 0; i < publishing_spec.n_dbs; i++)
        names[SOS_DB_APP + i] = publishing_spec.dbs[i];
    sos_store_opts o = {path, names, SOS_DB_APP + publishing_spec.n_dbs, 0, 0, false};
    sos_store *s = NULL;
    if (sos_store_open(&o, &s) != SOS_OK) {
        fprintf(stderr, "log_bench: cannot open a store in %s\n", path);
        exit(1);
    }
    return s;
}

static uint64_t s_store_bytes(sos_store *s)
{
    char why[256];
    sos_store_pages pg;
    if (sos_store_pages_count(s, &pg, why, sizeof why) != SOS_OK)
        return 0;
    return pg.in_use * pg.page_size;
}

/* pubs publications into two new stores under dir, alternately (so a
 * load that changes during the run falls on both alike): "plain" stores
 * the event alone, "log" the event, its leaf and a signed checkpoint. */
static void s_store_run(const char *dir, const sos_key *key, uint64_t pubs, int64_t ns[2],
                        int64_t *log_ns, uint64_t bytes[2])
{
    sos_store *s[2] = {s_store_open(dir, "plain"), s_store_open(dir, "log")};
    /* a publication of the size the sample's are: a verdict with 4 takes */
    static uint8_t blob[6000];
    for (size_t i = 0; i < sizeof blob; i++)
        blob[i] = (uint8_t)(i * 31 + 7);
    Sos__Tool tool = SOS__TOOL__INIT;
    tool.tool_id = "bench-tool";
    tool.description = "";
    Sos__Signed sv = SOS__SIGNED__INIT;
    sv.payload = (ProtobufCBinaryData){sizeof blob, blob};
    Sos__Verdict v = SOS__VERDICT__INIT;
    v.tool = &tool;
    v.verdict = &sv;
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_PUBLICATION;
    ev.publication = &v;
    s_pub p[2] = {{&ev, NULL, 0}, {&ev, key, 0}};
    ns[0] = ns[1] = 0;
    for (uint64_t i = 0; i < pubs; i++) {
        blob[0] = (uint8_t)i;
        blob[1] = (uint8_t)(i >> 8);
        blob[2] = (uint8_t)(i >> 16);
        for (int k = 0; k < 2; k++) {
            int64_t t0 = bu_now_ns();
            if (sos_store_write(s[k], s_publish, &p[k]) != SOS_OK) {
                fprintf(stderr, "log_bench: a publication failed\n");
                exit(1);
            }
            ns[k] += bu_now_ns() - t0;
        }
    }
    *log_ns = p[1].log_ns;
    for (int k = 0; k < 2; k++) {
        bytes[k] = s_store_bytes(s[k]);
        sos_store_destroy(&s[k]);
    }
}

static int s_sizes(const char *arg, uint64_t *out, size_t cap, size_t *n)
{
    *n = 0;
    for (const char *p = arg; *p && *n < cap;) {
        char *end;
        out[(*n)++] = strtoull(p, &end, 10);
        if (end == p)
            return -1;
        p = *end == ',' ? end + 1 : end;
    }
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t max = 1000000, pubs = 2000, nproofs = 20000, sizes[8] = {1000, 100000, 1000000};
    size_t nsizes = 3;
    if (argc < 2 || !strcmp(argv[1], "--help")) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: log_bench DIR [--max N] [--sizes A,B,C] [--pubs N] [--proofs N]\n");
        return argc < 2 ? 64 : 0;
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--max"))
            max = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--pubs"))
            pubs = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--proofs"))
            nproofs = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--sizes") && s_sizes(argv[i + 1], sizes, 8, &nsizes) == 0)
            ;
        else {
            fprintf(stderr, "log_bench: unknown option %s\n", argv[i]);
            return 64;
        }
    }
    if (sos_sign_init() != 0 || max == 0 || pubs == 0)
        return 1;
    char *json = NULL;
    size_t jlen = 0;
    FILE *j = open_memstream(&json, &jlen);
    fputs("{", j);
    s_proofs(max, sizes, nsizes, nproofs, j);

    sos_key *key = NULL;
    int64_t ns[2], log_ns;
    uint64_t bytes[2];
    if (sos_key_generate(&key) != 0)
        return 1;
    s_store_run(argv[1], key, pubs, ns, &log_ns, bytes);
    sos_key_destroy(&key);
    double per_plain = (double)ns[0] / (double)pubs / 1e3,
           per_log = (double)ns[1] / (double)pubs / 1e3,
           per_work = (double)log_ns / (double)pubs / 1e3;
    printf("publication, one fsync'd transaction each (%" PRIu64 ", alternating): %.1f us "
           "without the log, %.1f us with it (ratio %.3f); the log's own work %.1f us "
           "(%.3f of a publication without it)\n",
           pubs, per_plain, per_log, per_plain > 0 ? per_log / per_plain : 0, per_work,
           per_plain > 0 ? per_work / per_plain : 0);
    printf("store pages in use after %" PRIu64 " publications: %" PRIu64 " bytes without, %" PRIu64
           " with the log: %.1f bytes of log per publication\n",
           pubs, bytes[0], bytes[1], ((double)bytes[1] - (double)bytes[0]) / (double)pubs);
    fprintf(j,
            ", \"pubs\": %" PRIu64 ", \"us_per_pub_plain\": %.1f, \"us_per_pub_log\": %.1f, "
            "\"ratio_log\": %.3f, \"us_log_work_per_pub\": %.1f, \"store_bytes_plain\": %" PRIu64
            ", \"store_bytes_log\": %" PRIu64 ", \"log_bytes_per_pub\": %.1f}",
            pubs, per_plain, per_log, per_plain > 0 ? per_log / per_plain : 0, per_work, bytes[0],
            bytes[1], ((double)bytes[1] - (double)bytes[0]) / (double)pubs);
    fclose(j);
    printf("%s\n", json);
    free(json);
    return 0;
}
