/* check: is every store whole? `sos check [--json] [SERVICE...]`.
 *
 * Checks every store (<data_dir>/<service>), or the SERVICEs named,
 * read-only, the daemons running or not, through the check library
 * (clients/check/check.h: what is checked, and how a walk that faults is
 * kept apart), and prints what it reports.
 *
 * Output: a line per damaged key and one per store on stderr; with --json
 * a report on stdout. Exit codes: 0 every store whole, 65 damage found, 64
 * usage, 66 no store found at all (or a data.mdb that cannot be read), 71
 * a walk could not be started, 78 configuration. Repair:
 * docs/operations.md ("Damaged stores"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "check.h"
#include "cli.h"
#include "cmd.h"
#include "sign.h"

static const sos_cmd_verb s_verbs[] = {{NULL, NULL, "[--json] [SERVICE...]", SOS_CMD_ANY, NULL}};
static const char s_about[] =
    "Checks every store (or the SERVICEs named), downstream first as backup\n"
    "does, read-only, with the daemons running or stopped: the file against\n"
    "its meta pages, every page accounted for, every record decoded, every\n"
    "signature verified, the indexes against the event log. Prints each\n"
    "damaged key (database, key in hex, what is wrong); --json prints a\n"
    "report. Repair: docs/operations.md.\n\n"
    "Exit codes: 0 every store is whole, 65 damage found, 64 usage, 66 no\n"
    "store found, 71 a check could not run, 78 configuration.\n";

static const sos_cmd s_cmd = {"check", SOS_CMD_TABLE(s_verbs), SOS_CMD_TABLE(sos_cmd_json_only), 0,
                              s_about};

/* The findings of each store, as check_run reports them: {db, key, what}
 * in the order found, owned here. */
typedef struct {
    const char *service[CHECK_SERVICES];
    json_t *damage[CHECK_SERVICES];
} s_found;

static json_t *s_damage(s_found *f, const char *service)
{
    size_t i = 0;
    while (i < CHECK_SERVICES && f->service[i] && strcmp(f->service[i], service) != 0)
        i++;
    if (i == CHECK_SERVICES)
        abort(); /* more services than check.h has: a bug */
    if (!f->service[i]) {
        f->service[i] = service;
        f->damage[i] = json_array();
    }
    return f->damage[i];
}

static void s_report(const check_damage *d, void *arg)
{
    char *hex = sos_xmalloc(2 * d->key_len + 1);
    sos_hex(d->key, d->key_len, hex);
    json_array_append_new(s_damage(arg, d->service),
                          json_pack("{s:s, s:s, s:s}", "db", d->db, "key", hex, "what", d->what));
    free(hex);
}

/* One store: its findings and its summary line on stderr, its part of the
 * --json report. */
static json_t *s_print_store(const check_store_result *r, json_t *damage)
{
    size_t nd = json_array_size(damage);
    for (size_t d = 0; d < nd; d++) {
        json_t *x = json_array_get(damage, d);
        const char *key = json_string_value(json_object_get(x, "key"));
        fprintf(stderr, "sos: check: %s: %s%s%s: %s\n", r->service,
                json_string_value(json_object_get(x, "db")), key && *key ? " key " : "",
                key && *key ? key : "", json_string_value(json_object_get(x, "what")));
    }
    if (r->missing)
        fprintf(stderr, "sos: check: %-11s no store at %s\n", r->service, r->dir);
    else if (!r->walked)
        fprintf(stderr, "sos: check: %-11s DAMAGED: %zu damaged (not walked to the end)\n",
                r->service, nd);
    else
        fprintf(stderr,
                "sos: check: %-11s %s: %lld pages (%lld in use, %lld free), %lld records, "
                "%zu damaged\n",
                r->service, nd ? "DAMAGED" : "ok", (long long)r->pages, (long long)r->in_use,
                (long long)r->free, (long long)r->records, nd);
    json_t *s = json_pack("{s:s, s:s, s:b, s:b, s:b, s:O}", "service", r->service, "path", r->dir,
                          "missing", r->missing, "walked", r->walked, "ok", !r->missing && nd == 0,
                          "damage", damage);
    if (r->walked)
        json_object_update_new(
            s, json_pack("{s:I, s:I, s:I, s:i, s:I, s:I, s:I}", "pages", (json_int_t)r->pages,
                         "in_use", (json_int_t)r->in_use, "free", (json_int_t)r->free, "page_size",
                         (int)r->page_size, "records", (json_int_t)r->records, "head",
                         (json_int_t)r->head, "cursor", (json_int_t)r->cursor));
    return s;
}

int sos_cmd_check(sos_cli *cli, int argc, char **argv)
{
    const char *data_dir = sos_conf_get(cli->conf, "paths", "data_dir");
    s_found found = {{NULL}, {NULL}};
    json_t *stores = NULL, *none = json_array();
    check_result res;
    int first, rc;

    if ((rc = sos_cmd_getopt(&s_cmd, cli, argc, argv, NULL, &first)) != SOS_CMD_GO)
        goto out;
    if (!data_dir) {
        fprintf(stderr, "sos: check: no data_dir in the configuration\n");
        rc = EX_CONFIG;
        goto out;
    }
    for (int i = first; i < argc; i++)
        if (!check_service_known(argv[i])) {
            fprintf(stderr,
                    "sos: check: no service %s (submission, scoring, aggregation, "
                    "publishing)\n",
                    argv[i]);
            rc = EX_USAGE;
            goto out;
        }
    check_opts o = {data_dir, (const char *const *)argv + first, (size_t)(argc - first), "sos"};
    switch (check_run(&o, s_report, &found, &res)) {
    case CHECK_OK: break;
    case CHECK_EREAD:
        fprintf(stderr, "sos: check: %s/data.mdb: %s\n", res.stores[res.n - 1].dir,
                strerror(res.error));
        rc = EX_NOINPUT;
        goto out;
    case CHECK_ESTART:
        fprintf(stderr, "sos: check: cannot start the walk of %s: %s\n", res.stores[res.n - 1].dir,
                strerror(res.error));
        rc = EX_OSERR;
        goto out;
    default: abort(); /* data_dir and the names were checked above */
    }
    stores = json_array();
    for (size_t i = 0; i < res.n; i++) {
        const check_store_result *r = &res.stores[i];
        json_t *damage = r->damaged ? s_damage(&found, r->service) : none;
        json_array_append_new(stores, s_print_store(r, damage));
    }
    if (cli->json) {
        sos_json_print(json_pack("{s:b, s:I, s:O}", "ok", res.damaged == 0, "damaged",
                                 (json_int_t)res.damaged, "stores", stores));
    }
    if (res.damaged)
        fprintf(stderr,
                "sos: check: %zu damaged record(s) in %zu store(s): stop the daemon, restore "
                "its store from the last sos backup (docs/operations.md, Damaged stores)\n",
                res.damaged, res.damaged_stores);
    rc = res.damaged ? EX_DATAERR : res.present ? EX_OK : EX_NOINPUT;
out:
    for (size_t i = 0; i < CHECK_SERVICES; i++)
        json_decref(found.damage[i]);
    json_decref(stores);
    json_decref(none);
    return rc;
}
