/* fuzz_common: the world the fuzz targets run against. See fuzz_common.h. */
#include "fuzz_common.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evlog.h"
#include "log.h"
#include "rules.h"

void fz_check(int ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz check failed: %s\n", what);
    abort();
}

sos_txn *fz_begin(sos_store *s)
{
    sos_txn *t = NULL;
    fz_check(sos_txn_begin(s, true, &t) == SOS_OK && t, "begin a write transaction");
    return t;
}

static void s_commit(sos_txn **t, const char *what)
{
    fz_check(sos_txn_commit(t) == SOS_OK, what);
}

static void s_rmrf_store(const char *dir)
{
    char p[128];
    static const char *const files[] = {"data.mdb", "lock.mdb"};
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/store/%s", dir, files[i]);
        unlink(p);
    }
    snprintf(p, sizeof p, "%s/store", dir);
    rmdir(p);
    rmdir(dir);
}

/* Opens a store for spec the way the daemons do, then unlinks its files. */
static sos_store *s_store(const sos_svc_spec *spec)
{
    char dir[64], path[96];
    const char *names[16] = {"meta", "events", "requests"};
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/sos-fuzz-XXXXXX", tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    fz_check(mkdtemp(dir) != NULL, "mkdtemp");
    snprintf(path, sizeof path, "%s/store", dir);
    for (unsigned i = 0; i < spec->n_dbs; i++)
        names[SOS_DB_APP + i] = spec->dbs[i];
    sos_store_opts o = {path, names, SOS_DB_APP + spec->n_dbs, 16u << 20, 256u << 20, false};
    sos_store *s = NULL;
    fz_check(sos_store_open(&o, &s) == SOS_OK, "open a store");
    sos_txn *t = fz_begin(s);
    fz_check(sos_meta_put_u64(t, "format", SOS_STORE_FORMAT) == SOS_OK, "store format");
    s_commit(&t, "store format");
    s_rmrf_store(dir);
    return s;
}

sos_store *fz_store(const sos_svc_spec *spec)
{
    return s_store(spec);
}

void fz_key_seed(int i, uint8_t seed[32])
{
    memset(seed, 0, 32);
    snprintf((char *)seed, 32, "shiporskip fuzz key %d", i);
}

/* Keys go through sos_key_load, as the daemons' and the CLI's do. */
static sos_key *s_key(int i)
{
    uint8_t seed[32], pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    char hex[2 * crypto_sign_SECRETKEYBYTES + 1], path[64];
    const char *tmp = getenv("TMPDIR");
    fz_key_seed(i, seed);
    fz_check(crypto_sign_seed_keypair(pk, sk, seed) == 0, "seed keypair");
    sodium_bin2hex(hex, sizeof hex, sk, sizeof sk);
    snprintf(path, sizeof path, "%s/sos-fuzz-key-XXXXXX",
             tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    int fd = mkstemp(path);
    fz_check(fd >= 0 && fchmod(fd, 0600) == 0, "key file");
    FILE *f = fdopen(fd, "w");
    fz_check(f != NULL, "key file");
    fprintf(f, "shiporskip-ed25519-secret %s\n", hex);
    fz_check(fclose(f) == 0, "key file");
    sos_key *k = NULL;
    int rc = sos_key_load(path, &k);
    unlink(path);
    fz_check(rc == 0 && k, "load key");
    fz_check(memcmp(sos_key_public(k), pk, sizeof pk) == 0, "key public half");
    return k;
}

void fz_take_id(const char *tool, int persona, unsigned revision, uint8_t id[16])
{
    char s[256];
    uint8_t h[SOS_HASH_BYTES];
    int n = snprintf(s, sizeof s, "take %s %d %u", tool, persona, revision);
    sos_hash(s, (size_t)n, h);
    memcpy(id, h, 16);
}

void fz_take_payload(const char *tool, int persona, unsigned score, int ship, unsigned revision,
                     const char *text, sos_buf *payload)
{
    uint8_t id[16];
    Sos__TakeBody b = SOS__TAKE_BODY__INIT;
    fz_take_id(tool, persona, revision, id);
    b.take_id = (ProtobufCBinaryData){sizeof id, id};
    b.tool_id = (char *)tool;
    b.persona = (Sos__Persona)persona;
    b.score = score;
    b.ship = ship != 0;
    b.text = (char *)text;
    b.revision = revision;
    b.filed_at = FZ_NOW - 3600;
    sos_buf_pack(payload, &b.base);
}

void fz_take_sign(const fz_world *w, int key, const sos_buf *payload, uint8_t sig[SOS_SIG_BYTES],
                  Sos__Signed *s)
{
    sos_sign(w->keys[key], SOS_DOMAIN_TAKE, payload->data, payload->len, sig);
    sos__signed__init(s);
    s->payload = (ProtobufCBinaryData){payload->len, payload->data};
    s->signer = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(w->keys[key])};
    s->signature = (ProtobufCBinaryData){SOS_SIG_BYTES, sig};
}

/* --- the pipeline ----------------------------------------------------- */

static void s_tool(sos_txn *t, const char *name, const char *want_id)
{
    Sos__Tool x = SOS__TOOL__INIT;
    char id[SUBMISSION_ID_MAX];
    sos_status st = SOS_STATUS_OK;
    x.name = (char *)name;
    x.vendor = (char *)"Fuzz Inc.";
    x.tagline = (char *)"a tool the fuzzer knows";
    x.category = (char *)"Developer Tools";
    x.tier = SOS__TIER__TIER_FREEMIUM;
    x.pricing = (char *)"free tier, then $10/month";
    x.description = (char *)"Registered by the fuzz harness setup.";
    x.link = (char *)"https://example.com/tool";
    fz_check(submission_tool_submit(t, &x, FZ_NOW, NULL, id, &st) == 0, st.msg);
    fz_check(strcmp(id, want_id) == 0, "tool id");
}

static void s_submission(fz_world *w)
{
    sos_status st = SOS_STATUS_OK;
    char slug[2 * SUBMISSION_ID_MAX + 8];
    sos_txn *t = fz_begin(w->sub);
    s_tool(t, "Alpha Tool", "alpha-tool");
    s_tool(t, "Beta", "beta");
    s_tool(t, "Gamma", "gamma");
    s_tool(t, "Closed Tool", "closed-tool");
    for (int p = SOS__PERSONA__PERSONA_BUILDER; p <= SOS__PERSONA__PERSONA_CREATOR; p++) {
        Sos__PanelKey k = SOS__PANEL_KEY__INIT;
        k.persona = (Sos__Persona)p;
        k.public_key =
            (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(w->keys[p - 1])};
        k.name = (char *)"fuzz panel";
        fz_check(submission_panel_add(t, &k, NULL, &st) == 0, st.msg);
    }
    static const char *const pairs[2][2] = {{"alpha-tool", "beta"}, {"closed-tool", "beta"}};
    for (int i = 0; i < 2; i++) {
        Sos__Comparison c = SOS__COMPARISON__INIT;
        c.tool_a = (char *)pairs[i][0];
        c.tool_b = (char *)pairs[i][1];
        fz_check(submission_compare_create(t, &c, FZ_NOW, NULL, slug, &st) == 0, st.msg);
    }
    Sos__EditorKey ek = SOS__EDITOR_KEY__INIT;
    Sos__EditorRecord *rec = NULL;
    ek.public_key =
        (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(w->keys[FZ_KEY_EDITOR])};
    ek.name = (char *)"fuzz editor";
    fz_check(submission_editor_add(t, &ek, FZ_NOW, NULL, &rec, &st) == 0 && rec, st.msg);
    sos__editor_record__free_unpacked(rec, NULL);
    s_commit(&t, "submission");
}

typedef int (*s_apply_fn)(fz_world *w, sos_txn *t, const Sos__Event *ev);

/* Apply every event of from's log to to, in one transaction, as a
 * follower would. */
static void s_follow(fz_world *w, sos_store *from, sos_store *to, s_apply_fn apply)
{
    sos_txn *r = NULL, *t = NULL;
    sos_cursor *c = NULL;
    sos_val k, v;
    int rc;
    fz_check(sos_txn_begin(from, false, &r) == SOS_OK, "read upstream");
    fz_check(sos_cursor_open(r, SOS_DB_EVENTS, &c) == SOS_OK, "cursor");
    t = fz_begin(to);
    for (rc = sos_cursor_seek(c, NULL, 0, &k, &v); rc == SOS_OK; rc = sos_cursor_next(c, &k, &v)) {
        Sos__Event *ev = (Sos__Event *)sos_unpack(&sos__event__descriptor, v.data, v.len);
        fz_check(ev != NULL, "upstream event");
        fz_check(apply(w, t, ev) == SOS_OK, "apply upstream event");
        protobuf_c_message_free_unpacked(&ev->base, NULL);
    }
    fz_check(rc == SOS_NOTFOUND, "walk upstream");
    sos_cursor_destroy(&c);
    sos_txn_abort(&r);
    s_commit(&t, "follow");
}

static int s_apply_scoring(fz_world *w, sos_txn *t, const Sos__Event *ev)
{
    (void)w;
    return scoring_apply(t, ev);
}

static int s_apply_aggregation(fz_world *w, sos_txn *t, const Sos__Event *ev)
{
    return aggregation_apply(&w->agg_state, t, ev, FZ_NOW);
}

static int s_apply_publishing(fz_world *w, sos_txn *t, const Sos__Event *ev)
{
    (void)w;
    return publishing_apply(t, ev);
}

static void s_take(fz_world *w, const char *tool, int persona, unsigned score, int ship,
                   unsigned revision)
{
    sos_buf payload = SOS_BUF_INIT;
    uint8_t sig[SOS_SIG_BYTES], hash[SOS_HASH_BYTES];
    sos_status st = SOS_STATUS_OK;
    Sos__Signed s;
    fz_take_payload(tool, persona, score, ship, revision, "Set up by the fuzz harness.", &payload);
    fz_take_sign(w, persona - 1, &payload, sig, &s);
    sos_txn *t = fz_begin(w->score);
    fz_check(scoring_take_accept(&w->rules, t, &s, NULL, FZ_NOW, hash, &st) == 0, st.msg);
    s_commit(&t, "take");
    sos_buf_free(&payload);
}

static void s_scoring(fz_world *w)
{
    sos_status st = SOS_STATUS_OK;
    s_follow(w, w->sub, w->score, s_apply_scoring);
    s_take(w, "alpha-tool", SOS__PERSONA__PERSONA_BUILDER, 70, 1, 1);
    s_take(w, "alpha-tool", SOS__PERSONA__PERSONA_BUILDER, 80, 1, 2);
    s_take(w, "alpha-tool", SOS__PERSONA__PERSONA_SKEPTIC, 30, 0, 1);
    s_take(w, "alpha-tool", SOS__PERSONA__PERSONA_FUTURIST, 90, 1, 1);
    s_take(w, "closed-tool", SOS__PERSONA__PERSONA_BUILDER, 60, 1, 1);
    s_take(w, "closed-tool", SOS__PERSONA__PERSONA_CREATOR, 40, 0, 1);
    s_take(w, "beta", SOS__PERSONA__PERSONA_CREATOR, 55, 1, 1);
    sos_txn *t = fz_begin(w->score);
    fz_check(scoring_panel_close(t, "closed-tool", "editor", NULL, &st) == 0, st.msg);
    s_commit(&t, "panel close");
}

fz_world *fz_world_get(void)
{
    static fz_world *w;
    if (w)
        return w;
    sos_log_init("fuzz", getenv("SOS_FUZZ_LOG") ? SOS_LOG_DEBUG : SOS_LOG_ERROR + 1);
    fz_check(sos_sign_init() == 0, "libsodium");
    w = sos_xcalloc(1, sizeof *w);
    for (int i = 0; i < FZ_KEYS; i++)
        w->keys[i] = s_key(i);
    w->rules.quorum = 4;
    w->agg_state.key = w->keys[FZ_KEY_VERDICT];
    w->sub = s_store(&submission_spec);
    w->score = s_store(&scoring_spec);
    w->agg = s_store(&aggregation_spec);
    w->pub = s_store(&publishing_spec);
    s_submission(w);
    s_scoring(w);
    s_follow(w, w->score, w->agg, s_apply_aggregation);
    s_follow(w, w->agg, w->pub, s_apply_publishing);

    /* the world is what the header says */
    sos_txn *t = NULL;
    uint64_t n = 0;
    fz_check(sos_txn_begin(w->pub, false, &t) == SOS_OK, "read publishing");
    fz_check(sos_txn_get(t, PUBLISHING_DB_VERDICTS, "closed-tool", 11, NULL) == SOS_OK,
             "closed-tool published");
    fz_check(sos_txn_count(t, PUBLISHING_DB_COMPARISONS, &n) == SOS_OK && n == 2,
             "comparisons reached publishing");
    sos_txn_abort(&t);
    return w;
}
