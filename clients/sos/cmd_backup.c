/* backup: a hot, compact copy of every daemon's store and of the keys.
 *
 * `sos backup --to DIR` writes DIR/<service>/data.mdb for each of the five
 * stores (<data_dir>/<service>) and DIR/keys/ (a copy of key_dir, modes
 * kept: secret keys stay 0600). The daemons keep running and writing.
 *
 * Each store is opened read-only with no named database (n_dbs = 0:
 * mdb_env_copy2 walks the whole environment, so the copy needs no list of
 * names) and copied with sos_store_copy(), a compacting copy made inside
 * one read transaction: each copy is a consistent snapshot of its store.
 *
 * Order: downstream first (publishing, aggregation, scoring, submission).
 * A follower records a cursor on its upstream's event log and skips every
 * event at or below it. Copying a downstream before its upstream makes the
 * downstream's snapshot the older one, so after a restore its cursor is at
 * or below the upstream's head and it catches up. The other order lets a
 * downstream's snapshot include events its upstream's (older) snapshot does
 * not: after a restore the upstream would number new events again from its
 * older head and the downstream would skip them as already applied.
 *
 * DIR must not exist or be an empty directory (exit 73 otherwise). Progress
 * on stderr, one line per store; with --json a summary on stdout. Exit
 * codes: 0, 64 usage, 66 a store or key_dir missing, 73 DIR not usable,
 * 74 a copy failed (DIR is then incomplete: remove it), 78 configuration. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "store.h"
#include "wire.h"

/* Downstream first: see the comment at the top. */
static const char *const s_order[] = {"community", "publishing", "aggregation", "scoring",
                                      "submission"};

typedef struct {
    const char *to;
} s_backup_opts;

static const sos_cmd_verb s_verbs[] = {{NULL, NULL, "--to DIR [--json]", 0, NULL}};
static const sos_cmd_opt s_opts[] = {SOS_CMD_VALUE("to", 't', s_backup_opts, to)};
static const char s_about[] =
    "Hot, compact copy of every daemon's store into DIR/<service>/ and of the\n"
    "key directory into DIR/keys/ (modes kept), while the daemons run.\n"
    "DIR must be missing or empty. Stores are copied downstream first\n"
    "(community, publishing, aggregation, scoring, submission) so that no follower's copy\n"
    "is ahead of its upstream's. Restore: docs/operations.md.\n\n"
    "Exit codes: 0 ok, 64 usage, 66 a store or the key directory is missing,\n"
    "73 DIR exists and is not an empty directory, 74 a copy failed, 78 config.\n";

static const sos_cmd s_cmd = {"backup", SOS_CMD_TABLE(s_verbs), SOS_CMD_TABLE(s_opts),
                              sizeof(s_backup_opts), s_about};

/* 1 when dir is missing or an empty directory, 0 when it has entries or is
 * not a directory, -1/errno when it cannot be read. */
static int s_usable(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return errno == ENOENT ? 1 : -1;
    if (!S_ISDIR(st.st_mode))
        return 0;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int ok = 1;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            ok = 0;
            break;
        }
    closedir(d);
    return ok;
}

static long long s_size(const char *dir)
{
    char p[4200];
    struct stat st;
    if (snprintf(p, sizeof p, "%s/data.mdb", dir) >= (int)sizeof p)
        return -1;
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

/* Copies one regular file with its permission bits, synced. 0 or -1 with a
 * message on stderr. */
static int s_copy_file(const char *from, const char *to, mode_t mode)
{
    char buf[65536];
    int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
    if (in < 0)
        goto out;
    out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
    if (out < 0 || fchmod(out, mode & 07777) != 0)
        goto out;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto out;
        if (n == 0)
            break;
        for (ssize_t w = 0; w < n;) {
            ssize_t k = write(out, buf + w, (size_t)(n - w));
            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0)
                goto out;
            w += k;
        }
    }
    if (fsync(out) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        fprintf(stderr, "sos: backup: %s -> %s: %s\n", from, to, strerror(errno));
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0 && rc == 0) {
        fprintf(stderr, "sos: backup: %s: %s\n", to, strerror(errno));
        rc = -1;
    }
    return rc;
}

/* Copies the tree under from into to (which must not exist), keeping the
 * permission bits of every file and directory. Symbolic links and special
 * files are skipped with a warning. Adds the number of files to *files.
 * 0 or -1 with a message on stderr. */
static int s_copy_tree(const char *from, const char *to, size_t *files)
{
    struct stat st;
    DIR *d = NULL;
    int rc = -1;
    if (stat(from, &st) != 0 || mkdir(to, 0700) != 0) {
        fprintf(stderr, "sos: backup: %s -> %s: %s\n", from, to, strerror(errno));
        goto out;
    }
    if (!(d = opendir(from))) {
        fprintf(stderr, "sos: backup: %s: %s\n", from, strerror(errno));
        goto out;
    }
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char a[4200], b[4200];
        struct stat es;
        snprintf(a, sizeof a, "%s/%s", from, e->d_name);
        snprintf(b, sizeof b, "%s/%s", to, e->d_name);
        if (lstat(a, &es) != 0) {
            fprintf(stderr, "sos: backup: %s: %s\n", a, strerror(errno));
            goto out;
        }
        if (S_ISDIR(es.st_mode)) {
            if (s_copy_tree(a, b, files) != 0)
                goto out;
        } else if (S_ISREG(es.st_mode)) {
            if (s_copy_file(a, b, es.st_mode) != 0)
                goto out;
            ++*files;
        } else {
            fprintf(stderr, "sos: backup: %s: not a regular file, skipped\n", a);
        }
    }
    /* last, so that a 0500 directory could still be filled */
    if (chmod(to, st.st_mode & 07777) != 0) {
        fprintf(stderr, "sos: backup: %s: %s\n", to, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (d)
        closedir(d);
    return rc;
}

int sos_cmd_backup(sos_cli *cli, int argc, char **argv)
{
    s_backup_opts o = {0};
    const char *to = NULL;
    const char *data_dir = sos_conf_get(cli->conf, "paths", "data_dir");
    const char *key_dir = sos_conf_get(cli->conf, "paths", "key_dir");
    json_t *stores = json_array(); /* the --json summary, owned here */
    sos_store *st = NULL;
    char src[4200], dst[4200];
    size_t keys = 0;
    int rc;

    int first;
    if ((rc = sos_cmd_getopt(&s_cmd, cli, argc, argv, &o, &first)) != SOS_CMD_GO)
        goto out;
    to = o.to;
    if (!to || !*to || first != argc) {
        rc = sos_cmd_misuse(&s_cmd);
        goto out;
    }
    if (!data_dir || !key_dir) {
        fprintf(stderr, "sos: backup: no data_dir or key_dir in the configuration\n");
        rc = EX_CONFIG;
        goto out;
    }
    int u = s_usable(to);
    if (u != 1) {
        if (u == 0)
            fprintf(stderr,
                    "sos: backup: %s exists and is not an empty directory: refusing to "
                    "write into it (give a new or empty directory)\n",
                    to);
        else
            fprintf(stderr, "sos: backup: %s: %s\n", to, strerror(errno));
        rc = EX_CANTCREAT;
        goto out;
    }
    /* everything to copy is there before DIR is made */
    for (size_t i = 0; i < sizeof s_order / sizeof s_order[0]; i++) {
        snprintf(src, sizeof src, "%s/%s", data_dir, s_order[i]);
        if (s_size(src) < 0) {
            fprintf(stderr, "sos: backup: no store at %s (has %s ever run here?)\n", src,
                    s_order[i]);
            rc = EX_NOINPUT;
            goto out;
        }
    }
    if (access(key_dir, F_OK) != 0) {
        fprintf(stderr, "sos: backup: no key directory at %s (has aggregation ever run here?)\n",
                key_dir);
        rc = EX_NOINPUT;
        goto out;
    }
    if (sos_conf_mkdirs(to, 0700) != 0) {
        fprintf(stderr, "sos: backup: cannot create %s: %s\n", to, strerror(errno));
        rc = EX_CANTCREAT;
        goto out;
    }

    for (size_t i = 0; i < sizeof s_order / sizeof s_order[0]; i++) {
        const char *svc = s_order[i];
        snprintf(src, sizeof src, "%s/%s", data_dir, svc);
        snprintf(dst, sizeof dst, "%s/%s", to, svc);
        long long live = s_size(src);
        if (live < 0) {
            fprintf(stderr, "sos: backup: %s vanished; %s is incomplete\n", src, to);
            rc = EX_NOINPUT;
            goto out;
        }
        /* no names: the copy walks the whole environment */
        sos_store_opts so = {src, NULL, 0, 0, 0, true};
        if (sos_store_open(&so, &st) != SOS_OK) {
            fprintf(stderr, "sos: backup: cannot open %s read-only\n", src);
            rc = EX_IOERR;
            goto out;
        }
        int64_t t0 = sos_now_ms();
        int crc = sos_store_copy(st, dst);
        sos_store_destroy(&st);
        if (crc != SOS_OK) {
            fprintf(stderr, "sos: backup: copy of %s into %s failed: %s; %s is incomplete\n", src,
                    dst, sos_store_errstr(crc), to);
            rc = EX_IOERR;
            goto out;
        }
        /* mdb_env_copy2 creates the file 0644 less the umask: the live one is 0600 */
        char file[4300];
        snprintf(file, sizeof file, "%s/data.mdb", dst);
        if (chmod(file, 0600) != 0) {
            fprintf(stderr, "sos: backup: %s: %s\n", file, strerror(errno));
            rc = EX_IOERR;
            goto out;
        }
        long long copy = s_size(dst);
        fprintf(stderr, "sos: backup: %-11s %lld bytes (live file %lld) in %lld ms -> %s\n", svc,
                copy, live, (long long)(sos_now_ms() - t0), dst);
        json_array_append_new(stores,
                              json_pack("{s:s, s:s, s:I, s:I}", "service", svc, "path", dst,
                                        "bytes", (json_int_t)copy, "live_bytes", (json_int_t)live));
    }

    snprintf(dst, sizeof dst, "%s/keys", to);
    if (s_copy_tree(key_dir, dst, &keys) != 0) {
        fprintf(stderr, "sos: backup: copy of %s failed; %s is incomplete\n", key_dir, to);
        rc = EX_IOERR;
        goto out;
    }
    fprintf(stderr, "sos: backup: keys        %zu files -> %s\n", keys, dst);
    if (cli->json)
        sos_json_print(json_pack("{s:s, s:O, s:s, s:I}", "dir", to, "stores", stores, "keys", dst,
                                 "key_files", (json_int_t)keys));
    rc = EX_OK;
out:
    sos_store_destroy(&st);
    json_decref(stores);
    return rc;
}
