/* unit.check.check: the stores' integrity check (clients/check). Each case
 * builds a small whole pair of stores by hand, as the daemons lay them out
 * (docs/architecture.md, "Storage"): submission (a tool and a panel key)
 * and scoring (the tool, a registered key, one signed take with its takes
 * and latest entries, the cursor on submission's log); damages one record,
 * and checks that the report names it. A whole pair reports nothing. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "envelope.h"
#include "rules.h"
#include "scoring.h"
#include "sign.h"
#include "submission.h"

#define S_TOOL "mistral-small-3-1"

/* What a case's check reported, copied out of the callback. */
typedef struct {
    char service[32], db[32], what[512];
    uint8_t key[128];
    size_t kl;
} s_finding;

typedef struct {
    char dir[64]; /* the data_dir: <dir>/submission, <dir>/scoring */
    sos_key *reviewer;
    s_finding found[64];
    size_t n;
} fx;

static void s_report(const check_damage *d, void *arg)
{
    fx *f = arg;
    assert_true(f->n < 64);
    s_finding *x = &f->found[f->n++];
    snprintf(x->service, sizeof x->service, "%s", d->service);
    snprintf(x->db, sizeof x->db, "%s", d->db);
    snprintf(x->what, sizeof x->what, "%s", d->what);
    assert_true(d->key_len <= sizeof x->key);
    if (d->key_len)
        memcpy(x->key, d->key, d->key_len);
    x->kl = d->key_len;
}

static sos_store *s_open(fx *f, const char *service, const char *const *app, unsigned n_app)
{
    char dir[128];
    const char *names[16] = {"meta", "events", "requests"};
    for (unsigned i = 0; i < n_app; i++)
        names[SOS_DB_APP + i] = app[i];
    snprintf(dir, sizeof dir, "%s/%s", f->dir, service);
    sos_store_opts o = {dir, names, SOS_DB_APP + n_app, 0, 0, false};
    sos_store *s = NULL;
    assert_int_equal(sos_store_open(&o, &s), SOS_OK);
    return s;
}

static void s_put_msg(sos_txn *t, sos_db db, const void *k, size_t kl, const ProtobufCMessage *m)
{
    assert_int_equal(sos_rules_put(t, db, k, kl, m), SOS_OK);
}

static void s_tool(Sos__Tool *tool)
{
    *tool = (Sos__Tool)SOS__TOOL__INIT;
    tool->tool_id = (char *)S_TOOL;
    tool->name = (char *)"Mistral Small 3.1";
}

/* submission: event 1 the tool, event 2 the reviewer's panel key. */
static void s_build_submission(fx *f)
{
    static const char *const app[] = {"tools", "names", "panel", "comparisons", "editors"};
    sos_store *s = s_open(f, "submission", app, 5);
    sos_txn *t = NULL;
    Sos__Tool tool;
    s_tool(&tool);
    Sos__PanelKey pk = SOS__PANEL_KEY__INIT;
    pk.persona = SOS__PERSONA__PERSONA_SKEPTIC;
    pk.public_key = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(f->reviewer)};
    uint8_t pkey[1 + SOS_PK_BYTES] = {SOS__PERSONA__PERSONA_SKEPTIC};
    memcpy(pkey + 1, sos_key_public(f->reviewer), SOS_PK_BYTES);
    assert_int_equal(sos_txn_begin(s, true, &t), SOS_OK);
    assert_int_equal(sos_meta_put_u64(t, "format", SOS_STORE_FORMAT), SOS_OK);
    s_put_msg(t, SUBMISSION_DB_TOOLS, S_TOOL, strlen(S_TOOL), &tool.base);
    assert_int_equal(
        sos_txn_put(t, SUBMISSION_DB_NAMES, "mistralsmall31", 14, S_TOOL, strlen(S_TOOL)), SOS_OK);
    s_put_msg(t, SUBMISSION_DB_PANEL, pkey, sizeof pkey, &pk.base);
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_TOOL;
    ev.tool = &tool;
    assert_int_equal(sos_evlog_append(t, &ev), SOS_OK);
    ev = (Sos__Event)SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_PANEL_KEY;
    ev.panel_key = &pk;
    assert_int_equal(sos_evlog_append(t, &ev), SOS_OK);
    assert_int_equal(sos_txn_commit(&t), SOS_OK);
    sos_store_destroy(&s);
}

/* The keys scoring keeps its one take under. */
static size_t s_takes_key(char *out, uint32_t revision)
{
    size_t kl = sos_rules_latest_key(out, S_TOOL, SOS__PERSONA__PERSONA_SKEPTIC);
    sos_be32_put((uint8_t *)out + kl, revision);
    return kl + 4;
}

/* scoring: event 1 the tool, event 2 a take signed by the registered key;
 * cursor 2 (submission's head). The case's damage runs in the same
 * transaction, last. */
static void s_build_scoring(fx *f, void (*damage)(sos_txn *t))
{
    static const char *const app[] = {"tools", "panel", "takes", "latest", "closed", "editors"};
    sos_store *s = s_open(f, "scoring", app, 6);
    sos_txn *t = NULL;
    Sos__Tool tool;
    s_tool(&tool);
    uint8_t take_id[16], sig[SOS_SIG_BYTES], hash[SOS_HASH_BYTES], seq[8], latest[44];
    memset(take_id, 9, sizeof take_id);
    Sos__TakeBody b = SOS__TAKE_BODY__INIT;
    b.take_id = (ProtobufCBinaryData){sizeof take_id, take_id};
    b.tool_id = (char *)S_TOOL;
    b.persona = SOS__PERSONA__PERSONA_SKEPTIC;
    b.score = 45;
    b.text = (char *)"Claims outrun the evals.";
    b.revision = 1;
    sos_buf payload = SOS_BUF_INIT;
    Sos__Signed take;
    sos_envelope_seal(&sos_envelope_take, f->reviewer, &b.base, &payload, sig, &take);
    uint8_t pkey[1 + SOS_PK_BYTES] = {SOS__PERSONA__PERSONA_SKEPTIC};
    memcpy(pkey + 1, sos_key_public(f->reviewer), SOS_PK_BYTES);
    char key[64];

    assert_int_equal(sos_txn_begin(s, true, &t), SOS_OK);
    assert_int_equal(sos_meta_put_u64(t, "format", SOS_STORE_FORMAT), SOS_OK);
    assert_int_equal(sos_meta_put_u64(t, "cursor", 2), SOS_OK);
    s_put_msg(t, SCORING_DB_TOOLS, S_TOOL, strlen(S_TOOL), &tool.base);
    assert_int_equal(sos_txn_put(t, SCORING_DB_PANEL, pkey, sizeof pkey, "", 0), SOS_OK);
    Sos__Event ev = SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_TOOL;
    ev.tool = &tool;
    assert_int_equal(sos_evlog_append(t, &ev), SOS_OK);
    ev = (Sos__Event)SOS__EVENT__INIT;
    ev.kind_case = SOS__EVENT__KIND_TAKE;
    ev.take = &take;
    assert_int_equal(sos_evlog_append(t, &ev), SOS_OK);
    sos_be64_put(seq, ev.seq);
    assert_int_equal(sos_txn_put(t, SCORING_DB_TAKES, key, s_takes_key(key, 1), seq, 8), SOS_OK);
    sos_hash(payload.data, payload.len, hash);
    sos_rules_latest_pack(latest, 1, hash, ev.seq);
    size_t kl = sos_rules_latest_key(key, S_TOOL, SOS__PERSONA__PERSONA_SKEPTIC);
    assert_int_equal(sos_txn_put(t, SCORING_DB_LATEST, key, kl, latest, sizeof latest), SOS_OK);
    if (damage)
        damage(t);
    assert_int_equal(sos_txn_commit(&t), SOS_OK);
    sos_buf_free(&payload);
    sos_store_destroy(&s);
}

/* --- the damages, one record each ------------------------------------- */

static void s_bad_signature(sos_txn *t)
{
    uint8_t k[8];
    sos_val v;
    sos_buf b = SOS_BUF_INIT;
    sos_be64_put(k, 2);
    assert_int_equal(sos_txn_get(t, SOS_DB_EVENTS, k, 8, &v), SOS_OK);
    Sos__Event *ev = (Sos__Event *)sos_unpack(&sos__event__descriptor, v.data, v.len);
    assert_non_null(ev);
    ev->take->signature.data[7] ^= 0x01;
    sos_buf_pack(&b, &ev->base);
    assert_int_equal(sos_txn_put(t, SOS_DB_EVENTS, k, 8, b.data, b.len), SOS_OK);
    sos_buf_free(&b);
    sos__event__free_unpacked(ev, NULL);
}

static void s_undecodable(sos_txn *t)
{
    assert_int_equal(sos_txn_put(t, SCORING_DB_TOOLS, S_TOOL, strlen(S_TOOL), "\xff\xff\xff", 3),
                     SOS_OK);
}

static void s_index_without_event(sos_txn *t)
{
    char key[64];
    uint8_t seq[8];
    sos_be64_put(seq, 9);
    assert_int_equal(sos_txn_put(t, SCORING_DB_TAKES, key, s_takes_key(key, 2), seq, 8), SOS_OK);
}

static void s_event_without_index(sos_txn *t)
{
    char key[64];
    assert_int_equal(sos_txn_del(t, SCORING_DB_TAKES, key, s_takes_key(key, 1)), SOS_OK);
}

static void s_cursor_past_head(sos_txn *t)
{
    assert_int_equal(sos_meta_put_u64(t, "cursor", 7), SOS_OK);
}

/* --- the cases -------------------------------------------------------- */

static int s_setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    tu_tmpdir(f->dir);
    assert_int_equal(sos_key_generate(&f->reviewer), 0);
    *state = f;
    return 0;
}

static int s_teardown(void **state)
{
    fx *f = *state;
    sos_key_destroy(&f->reviewer);
    tu_rmrf(f->dir);
    free(f);
    return 0;
}

static int s_run(fx *f, check_result *res)
{
    static const char *const both[] = {"scoring", "submission"};
    check_opts o = {f->dir, both, 2, "check-test"};
    f->n = 0;
    return check_run(&o, s_report, f, res);
}

static void test_whole(void **state)
{
    fx *f = *state;
    check_result res;
    s_build_submission(f);
    s_build_scoring(f, NULL);
    assert_int_equal(s_run(f, &res), CHECK_OK);
    for (size_t i = 0; i < f->n; i++)
        print_error("unexpected: %s %s: %s\n", f->found[i].service, f->found[i].db,
                    f->found[i].what);
    assert_int_equal(f->n, 0);
    assert_int_equal(res.damaged, 0);
    assert_int_equal(res.n, 2);
    assert_int_equal(res.present, 2);
    /* downstream first */
    assert_string_equal(res.stores[0].service, "scoring");
    assert_string_equal(res.stores[1].service, "submission");
    for (size_t i = 0; i < 2; i++) {
        assert_true(res.stores[i].walked);
        assert_false(res.stores[i].missing);
        assert_int_equal(res.stores[i].head, 2);
        assert_true(res.stores[i].records > 0);
        assert_int_equal(res.stores[i].in_use + res.stores[i].free, res.stores[i].pages);
    }
    assert_int_equal(res.stores[0].cursor, 2);
}

static void test_damaged(void **state)
{
    char takes2[64];
    uint8_t ev2[8];
    size_t tl2 = s_takes_key(takes2, 2);
    sos_be64_put(ev2, 2);
    const struct {
        const char *name;
        void (*damage)(sos_txn *t);
        const char *db;
        const void *key;
        size_t kl;
        const char *what;
    } cases[] = {
        {"a bad signature", s_bad_signature, "events", ev2, 8,
         "take: take signature does not verify"},
        {"an undecodable value", s_undecodable, "tools", S_TOOL, strlen(S_TOOL),
         "tool does not decode"},
        {"an index entry without its event", s_index_without_event, "takes", takes2, tl2,
         "names an event that is missing or does not decode"},
        {"an event without its index entry", s_event_without_index, "events", ev2, 8,
         "take is not in the takes index under its key"},
        {"a cursor past the upstream's head", s_cursor_past_head, "meta", "cursor", 6,
         "cursor 7 is past submission's head 2"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        fx *f = *state;
        check_result res;
        tu_rmrf(f->dir);
        tu_tmpdir(f->dir);
        s_build_submission(f);
        s_build_scoring(f, cases[c].damage);
        assert_int_equal(s_run(f, &res), CHECK_OK);
        bool named = false;
        for (size_t i = 0; i < f->n; i++) {
            const s_finding *x = &f->found[i];
            named |= strcmp(x->service, "scoring") == 0 && strcmp(x->db, cases[c].db) == 0 &&
                     x->kl == cases[c].kl && memcmp(x->key, cases[c].key, x->kl) == 0 &&
                     strcmp(x->what, cases[c].what) == 0;
        }
        if (!named) {
            print_error("%s: not reported; the report was:\n", cases[c].name);
            for (size_t i = 0; i < f->n; i++)
                print_error("  %s %s: %s\n", f->found[i].service, f->found[i].db, f->found[i].what);
        }
        assert_true(named);
        /* damage in scoring only: submission stays whole */
        assert_true(res.damaged >= 1 && res.damaged == res.stores[0].damaged);
        assert_int_equal(res.damaged_stores, 1);
        assert_int_equal(res.stores[1].damaged, 0);
    }
}

/* A missing store is no damage; a file whose meta pages are damaged is
 * never mapped, and not walked. */
static void test_missing_and_unmapped(void **state)
{
    fx *f = *state;
    check_result res;
    char path[128];
    s_build_scoring(f, NULL);
    snprintf(path, sizeof path, "%s/scoring/data.mdb", f->dir);
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    /* the first meta page's flags and LMDB's magic after them */
    assert_int_equal(fseek(fp, 10, SEEK_SET), 0);
    assert_int_equal(fputs("garbage", fp) >= 0, 1);
    fclose(fp);
    assert_int_equal(s_run(f, &res), CHECK_OK);
    assert_int_equal(res.n, 2);
    assert_true(res.stores[1].missing);
    assert_int_equal(res.present, 1);
    assert_false(res.stores[0].walked);
    assert_int_equal(f->n, 1);
    assert_string_equal(f->found[0].db, "file");
    assert_int_equal(f->found[0].kl, 0);
}

static void test_unknown_service(void **state)
{
    fx *f = *state;
    static const char *const bad[] = {"scoring", "nosuch"};
    check_opts o = {f->dir, bad, 2, "check-test"};
    check_result res;
    assert_int_equal(check_run(&o, s_report, f, &res), CHECK_EINVAL);
    assert_false(check_service_known("nosuch"));
    assert_true(check_service_known("publishing"));
}

int main(void)
{
    assert_int_equal(sos_sign_init(), 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_whole, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_damaged, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_missing_and_unmapped, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_service, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
