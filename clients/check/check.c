/* check: the run over the stores (check.h). Each store is walked in a
 * child process, database by database in one read transaction each (an
 * LMDB error spoils a transaction: the next database gets a new one); the
 * child writes its findings to a pipe, one JSON line each, then a summary
 * line, and the parent hands each finding to the caller's callback. What
 * each record must be is check_db.c's. */
#define _XOPEN_SOURCE 700
#include "check.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "check_int.h"
#include "evlog.h"
#include "fault.h"
#include "log.h"
#include "sign.h"

/* Downstream first, as sos backup copies: with the daemons running, each
 * upstream is read after its followers, so a follower's cursor is never
 * found past a head read earlier. */
static const char *const s_order[] = {"publishing", "aggregation", "scoring", "submission"};

static const check_svcdef *s_def(const char *name)
{
    for (size_t i = 0; i < CHECK_SERVICES; i++)
        if (strcmp(check_db_services[i].service, name) == 0)
            return &check_db_services[i];
    return NULL;
}

bool check_service_known(const char *name)
{
    return s_def(name) != NULL;
}

/* --- the walk, in the child ------------------------------------------ */

static void s_line(FILE *out, json_t *j)
{
    char *line = json_dumps(j, JSON_COMPACT);
    fprintf(out, "%s\n", line);
    fflush(out);
    free(line);
    json_decref(j);
}

void check_walk_found(check_walk *w, const char *db, const void *key, size_t kl, const char *fmt,
                      ...)
{
    char what[512], *hex = sos_xmalloc(2 * kl + 1);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    sos_hex(key, kl, hex);
    s_line(w->out, json_pack("{s:s, s:s, s:s}", "db", db, "key", hex, "what", what));
    free(hex);
    w->found++;
}

/* LMDB's default order: bytes, then the shorter first. */
static int s_keycmp(const void *a, size_t al, const void *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

/* Every record of one database. */
static void s_walk_db(check_walk *w, const check_dbdef *d, sos_db h, uint64_t *head)
{
    sos_cursor *c = NULL;
    sos_val k, v;
    uint8_t prev[512];
    size_t pl = 0;
    bool first = true;
    uint64_t expect = 1;
    int rc = sos_cursor_open(w->t, h, &c);
    if (rc != SOS_OK) {
        check_walk_found(w, d->name, NULL, 0, "cannot open the database: %s", sos_store_errstr(rc));
        return;
    }
    for (rc = sos_cursor_seek(c, NULL, 0, &k, &v); rc == SOS_OK; rc = sos_cursor_next(c, &k, &v)) {
        w->records++;
        if (k.len == 0 || k.len > sizeof prev)
            check_walk_found(w, d->name, k.data, k.len > sizeof prev ? sizeof prev : k.len,
                             "key of %zu bytes", k.len);
        else if (!first && s_keycmp(prev, pl, k.data, k.len) >= 0)
            check_walk_found(w, d->name, k.data, k.len, "key out of order (a damaged page)");
        if (k.len && k.len <= sizeof prev) {
            memcpy(prev, k.data, k.len);
            pl = k.len;
        }
        first = false;
        check_db_record(w, d, &k, &v, &expect);
    }
    if (rc != SOS_NOTFOUND)
        check_walk_found(w, d->name, prev, pl, "the walk stopped after this key: %s",
                         sos_store_errstr(rc));
    if (d->kind == CHECK_K_EVENTS)
        *head = expect - 1;
    sos_cursor_destroy(&c);
}

/* Walks the store at dir, writes findings and then a summary line
 * ({"summary":...}) to out. 0 walked (findings or not), 1 the store would
 * not open (a finding says why): the child's exit code. */
static int s_walk_store(const check_svcdef *def, const char *dir, FILE *out)
{
    const char *names[16];
    check_walk w = {def, NULL, NULL, out, 0, 0};
    sos_store_pages pg;
    char why[256];
    uint64_t head = 0, cursor = 0;
    int rc = 1;
    memset(&pg, 0, sizeof pg);
    for (unsigned i = 0; i < def->n; i++)
        names[i] = def->db[i].name;
    sos_store_opts o = {dir, names, def->n, 0, 0, true};
    int orc = sos_store_open(&o, &w.store);
    if (orc != SOS_OK) {
        check_walk_found(&w, "file", NULL, 0, "the store does not open: %s", sos_store_errstr(orc));
        goto out;
    }
    if (sos_store_pages_count(w.store, &pg, why, sizeof why) != SOS_OK)
        check_walk_found(&w, "pages", NULL, 0, "%s", why);
    else if (pg.pages && pg.in_use + pg.free != pg.pages)
        check_walk_found(&w, "pages", NULL, 0,
                         "%llu pages in trees and %llu free do not add up to the %llu pages in use",
                         (unsigned long long)pg.in_use, (unsigned long long)pg.free,
                         (unsigned long long)pg.pages);
    if (sos_txn_begin(w.store, false, &w.t) != SOS_OK) {
        check_walk_found(&w, "file", NULL, 0, "no read transaction");
        goto out;
    }
    for (unsigned i = 0; i < def->n; i++) {
        s_walk_db(&w, &def->db[i], i, &head);
        /* an LMDB error spoils the transaction: a new one for the next db */
        sos_txn_abort(&w.t);
        if (sos_txn_begin(w.store, false, &w.t) != SOS_OK) {
            check_walk_found(&w, "file", NULL, 0, "no read transaction");
            goto out;
        }
    }
    if (sos_meta_get_u64(w.t, "cursor", &cursor) != SOS_OK)
        cursor = 0;
    rc = 0;
out:
    s_line(out, json_pack("{s:{s:I, s:I, s:I, s:i, s:I, s:I, s:I}}", "summary", "pages",
                          (json_int_t)pg.pages, "in_use", (json_int_t)pg.in_use, "free",
                          (json_int_t)pg.free, "page_size", (int)pg.page_size, "records",
                          (json_int_t)w.records, "head", (json_int_t)head, "cursor",
                          (json_int_t)cursor));
    sos_txn_abort(&w.t);
    sos_store_destroy(&w.store);
    return rc;
}

/* --- the run, in the caller's process -------------------------------- */

/* Where one store's findings go. */
typedef struct {
    check_store_result *r;
    check_report_fn report;
    void *arg;
} s_sink;

static void s_report(s_sink *s, const char *db, const void *key, size_t kl, const char *what)
{
    check_damage d = {s->r->service, db, key, kl, what};
    s->r->damaged++;
    s->report(&d, s->arg);
}

static uint64_t s_u64(const json_t *o, const char *name)
{
    return (uint64_t)json_integer_value(json_object_get(o, name));
}

/* One line from the child: a finding, or the summary. */
static void s_child_line(s_sink *s, const char *line)
{
    json_t *j = json_loads(line, 0, NULL), *sum;
    uint8_t *key = NULL;
    if (!j)
        return;
    if ((sum = json_object_get(j, "summary")) != NULL) {
        check_store_result *r = s->r;
        r->walked = true;
        r->pages = s_u64(sum, "pages");
        r->in_use = s_u64(sum, "in_use");
        r->free = s_u64(sum, "free");
        r->page_size = (unsigned)s_u64(sum, "page_size");
        r->records = s_u64(sum, "records");
        r->head = s_u64(sum, "head");
        r->cursor = s_u64(sum, "cursor");
        goto out;
    }
    const char *db = json_string_value(json_object_get(j, "db"));
    const char *hex = json_string_value(json_object_get(j, "key"));
    const char *what = json_string_value(json_object_get(j, "what"));
    size_t kl = hex ? strlen(hex) / 2 : 0;
    key = sos_xmalloc(kl + 1);
    if (!db || !what || (kl && sos_unhex(hex, key, kl) != 0))
        goto out; /* not what the child writes: a bug, and nothing to report */
    s_report(s, db, kl ? key : NULL, kl, what);
out:
    free(key);
    json_decref(j);
}

/* Runs the walk of s->r's store in a child and reports what it writes.
 * 0, or -1 with errno when there is no pipe or no child. */
static int s_walk_child(s_sink *s, const check_svcdef *def, const char *name)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fd[0]);
        close(fd[1]);
        errno = e;
        return -1;
    }
    if (pid == 0) {
        close(fd[0]);
        FILE *out = fdopen(fd[1], "w");
        if (!out)
            _exit(EX_OSERR);
        /* the findings say it all; a fault says what it hit */
        sos_log_init(name, SOS_LOG_ERROR + 1);
        (void)sos_fault_install(name);
        _exit(s_walk_store(def, s->r->dir, out));
    }
    close(fd[1]);
    FILE *in = fdopen(fd[0], "r");
    char *line = NULL;
    size_t cap = 0;
    while (in && getline(&line, &cap, in) > 0)
        s_child_line(s, line);
    free(line);
    if (in)
        fclose(in);
    else
        close(fd[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(st)) {
        char what[160];
        snprintf(what, sizeof what,
                 "the walk died of %s: a page points outside the file or at garbage "
                 "(records after the ones above were not checked)",
                 WTERMSIG(st) == SIGBUS    ? "SIGBUS"
                 : WTERMSIG(st) == SIGSEGV ? "SIGSEGV"
                                           : strsignal(WTERMSIG(st)));
        s_report(s, "pages", NULL, 0, what);
    } else if (!s->r->walked) {
        s_report(s, "file", NULL, 0, "the walk ended without a summary");
    }
    return 0;
}

/* One store: missing, never mapped (its meta pages are damaged), or walked. */
static int s_check_one(s_sink *s, const check_svcdef *def, const check_opts *o, check_result *res)
{
    sos_store_meta m;
    char why[256];
    check_store_result *r = s->r;
    r->service = def->service;
    snprintf(r->dir, sizeof r->dir, "%s/%s", o->data_dir, def->service);
    int mc = sos_store_meta_check(r->dir, &m, why, sizeof why);
    if (mc == SOS_NOTFOUND) {
        r->missing = true;
        return CHECK_OK;
    }
    res->present++;
    if (mc == SOS_EIO) {
        res->error = errno;
        return CHECK_EREAD;
    }
    if (mc == SOS_CORRUPT) {
        s_report(s, "file", NULL, 0, why); /* never mapped: LMDB would fault on it */
        return CHECK_OK;
    }
    if (s_walk_child(s, def, o->name ? o->name : "check") != 0) {
        res->error = errno;
        return CHECK_ESTART;
    }
    return CHECK_OK;
}

static bool s_wanted(const check_opts *o, const char *service)
{
    if (!o->services || o->n_services == 0)
        return true;
    for (size_t i = 0; i < o->n_services; i++)
        if (strcmp(o->services[i], service) == 0)
            return true;
    return false;
}

int check_run(const check_opts *o, check_report_fn report, void *arg, check_result *out)
{
    int rc = CHECK_OK;
    memset(out, 0, sizeof *out);
    if (!o->data_dir)
        return CHECK_EINVAL;
    for (size_t i = 0; o->services && i < o->n_services; i++)
        if (!s_def(o->services[i]))
            return CHECK_EINVAL;
    for (size_t i = 0; i < CHECK_SERVICES; i++) {
        if (!s_wanted(o, s_order[i]))
            continue;
        s_sink s = {&out->stores[out->n++], report, arg};
        if ((rc = s_check_one(&s, s_def(s_order[i]), o, out)) != CHECK_OK)
            goto out;
    }
    /* a follower's cursor is never past its upstream's head */
    for (size_t i = 0; i < out->n; i++) {
        check_store_result *r = &out->stores[i];
        const char *up = s_def(r->service)->upstream;
        for (size_t u = 0; u < out->n && up; u++) {
            const check_store_result *ur = &out->stores[u];
            if (strcmp(ur->service, up) == 0 && r->walked && ur->walked && r->cursor > ur->head) {
                char what[200];
                snprintf(what, sizeof what, "cursor %lld is past %s's head %lld",
                         (long long)r->cursor, up, (long long)ur->head);
                s_sink s = {r, report, arg};
                s_report(&s, "meta", "cursor", 6, what);
            }
        }
    }
out:
    for (size_t i = 0; i < out->n; i++) {
        out->damaged += out->stores[i].damaged;
        out->damaged_stores += out->stores[i].damaged > 0;
    }
    return rc;
}
