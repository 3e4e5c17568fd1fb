/* fuzz_conf: sos_conf_load on an INI file written from the input, and
 * sos_access_load (the CURVE access list, access.h) on the same file.
 *
 * Input byte 0 picks the home argument (bit 0: NULL, so [paths] home in
 * the file or the default decides; otherwise an absolute directory); the
 * rest is the file. After a load, the values the daemons and the CLI read
 * are looked up the way they read them. $SOS_HOME is unset so runs do not
 * depend on the caller's environment. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "conf.h"
#include "fuzz_common.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char s_path[64];

static void s_cleanup(void)
{
    if (s_path[0])
        unlink(s_path);
}

static void s_init(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(s_path, sizeof s_path, "%s/sos-fuzz-conf-XXXXXX",
             tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    int fd = mkstemp(s_path);
    fz_check(fd >= 0, "temp config file");
    close(fd);
    atexit(s_cleanup);
    unsetenv("SOS_HOME");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const services[] = {"submission", "scoring", "aggregation", "publishing"};
    char err[512];
    sos_conf *c = NULL;
    if (!s_path[0])
        s_init();
    if (size < 1)
        return 0;
    int fd = open(s_path, O_WRONLY | O_TRUNC);
    fz_check(fd >= 0, "open temp config file");
    for (size_t off = 1; off < size;) {
        ssize_t n = write(fd, data + off, size - off);
        fz_check(n > 0 || errno == EINTR, "write temp config file");
        if (n > 0)
            off += (size_t)n;
    }
    close(fd);

    /* the access list: a whole file accepted, or refused with a line number */
    sos_access *a = NULL;
    err[0] = '\0';
    if (sos_access_load(s_path, &a, err, sizeof err) == 0) {
        uint8_t key[SOS_ACCESS_KEY_BYTES] = {0}, signer[SOS_ACCESS_KEY_BYTES];
        bool has;
        fz_check(a != NULL, "a loaded access list");
        unsigned roles = sos_access_find(a, key, signer, &has);
        fz_check(!(roles & ~(unsigned)(SOS_ROLE_ANY & ~SOS_ROLE_LOCAL)), "listed roles only");
        fz_check(!has || (roles & SOS_ROLE_REVIEWER), "only reviewers have signers");
        sos_access_destroy(&a);
    } else {
        fz_check(a == NULL && strncmp(err, "line ", 5) == 0, "a refused list says which line");
    }

    err[0] = '\0';
    int rc =
        sos_conf_load(s_path, (data[0] & 1) ? NULL : "/srv/sos-fuzz-home", &c, err, sizeof err);
    if (rc != 0) {
        fz_check(c == NULL && err[0] && memchr(err, '\0', sizeof err), "a failed load says why");
        return 0;
    }
    fz_check(c != NULL, "a load gives a conf");
    /* what every daemon and the CLI read (svc.c s_open, scoring, the CLI) */
    static const char *const paths[] = {"home", "run_dir", "data_dir", "key_dir"};
    for (int i = 0; i < 4; i++)
        fz_check(sos_conf_get(c, "paths", paths[i]) != NULL, "paths are defaulted");
    for (int i = 0; i < 4; i++) {
        fz_check(sos_conf_get(c, services[i], "api") != NULL, "api endpoint defaulted");
        fz_check(sos_conf_get(c, services[i], "events") != NULL, "events endpoint defaulted");
    }
    long long v;
    (void)sos_conf_int(c, "store", "map_size", 16ll << 20, &v);
    (void)sos_conf_int(c, "store", "map_max", 8ll << 30, &v);
    (void)sos_conf_int(c, "scoring", "quorum", 4, &v);
    (void)sos_conf_int(c, "client", "timeout_ms", 2500, &v);
    (void)sos_conf_int(c, "client", "retries", 3, &v);
    const char *lvl = sos_conf_get(c, "log", "level");
    if (lvl)
        (void)sos_log_level_parse(lvl);
    sos_conf_destroy(&c);
    fz_check(c == NULL, "destroy clears the handle");
    return 0;
}
