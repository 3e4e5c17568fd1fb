/* unit.site.site_dir_lock: the site lock, OUT/.lock
 * (clients/site/site_dir_lock.c), through site_dir_open and
 * site_dir_destroy: one render at a time, the holder's pid named, the
 * lock of a killed holder gone. */
#include "sitefix.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "site_dir.h"

/* state: a fresh temporary directory, removed after */
static int s_dir_new(void **state)
{
    if (sos_sign_init() != 0) /* the verdict the test signs */
        return -1;
    char *dir = calloc(1, 64);
    tu_tmpdir(dir);
    *state = dir;
    return 0;
}

static int s_dir_free(void **state)
{
    assert_int_equal(tu_rmrf(*state), 0);
    free(*state);
    return 0;
}

/* Reads a line from fd (blocking) into b. */
static void s_read_line(int fd, char *b, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap && read(fd, b + n, 1) == 1 && b[n] != '\n')
        n++;
    b[n] = '\0';
}

/* The site lock: a second opener fails with --no-wait (naming the
 * holder's pid) or waits and then sees the first one's release; a holder
 * killed with SIGKILL holds nothing. */
static void test_lock(void **state)
{
    const char *dir = *state;
    site_dir *d1 = NULL, *d2 = NULL;
    site_dir_opts nowait = {true, 0};
    char why[512], want[64];
    /* a waiter, forked before d1 exists (a child would share d1's lock):
     * it says for whom it waits, then reads what d1 released */
    int err[2], go[2], st = 0;
    assert_int_equal(pipe(err), 0);
    assert_int_equal(pipe(go), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        char c;
        close(go[1]); /* so that a parent that failed is an end of file */
        close(err[0]);
        dup2(err[1], 2);
        if (read(go[0], &c, 1) != 1)
            _exit(2);
        site_dir *w = NULL;
        site_dir_result r;
        int ok = site_dir_open(dir, "https://example.org", NULL, &w, NULL, 0) == SITE_DIR_OK &&
                 site_dir_cursor(w) == 1 && site_dir_render(w, false, &r) == SITE_DIR_OK &&
                 r.up_to_date && r.release == 1;
        site_dir_destroy(&w);
        _exit(ok ? 0 : 1);
    }
    close(err[1]);
    close(go[0]);
    assert_int_equal(site_dir_open(dir, "https://example.org", NULL, &d1, NULL, 0), SITE_DIR_OK);
    assert_int_equal(site_dir_open(dir, "https://example.org", &nowait, &d2, why, sizeof why),
                     SITE_DIR_EBUSY);
    assert_null(d2);
    snprintf(want, sizeof want, "another render (pid %ld) is writing", (long)getpid());
    if (!strstr(why, want))
        fail_msg("%s: no \"%s\"", why, want);
    assert_int_equal(write(go[1], "g", 1), 1);
    close(go[1]);
    char line[512];
    s_read_line(err[0], line, sizeof line);
    close(err[0]);
    snprintf(want, sizeof want, "waiting for another render (pid %ld)", (long)getpid());
    if (!strstr(line, want))
        fail_msg("%s: no \"%s\"", line, want);
    assert_int_equal(waitpid(child, &st, WNOHANG), 0); /* we hold the lock: it waits */
    Sos__Tool a;
    sf_tool(&a, "alpha", "Alpha");
    sos_key *key = NULL;
    assert_int_equal(sos_key_generate(&key), 0);
    Sos__Verdict *va = sf_verdict4(key, &a, 1735689600);
    sos_key_destroy(&key);
    sf_event ev[] = {{1, va, NULL}};
    Sos__EventsPage *page = sf_page(ev, 1);
    site_dir_result res;
    assert_int_equal(site_dir_add_page(d1, page, NULL), SITE_DIR_OK);
    assert_int_equal(site_dir_render(d1, false, &res), SITE_DIR_OK);
    sos__events_page__free_unpacked(page, NULL);
    sos__verdict__free_unpacked(va, NULL);
    site_dir_destroy(&d1);
    assert_int_equal(waitpid(child, &st, 0), child);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* a holder killed with SIGKILL: the kernel drops its lock */
    int sync[2];
    assert_int_equal(pipe(sync), 0);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        site_dir *h = NULL;
        close(sync[0]);
        if (site_dir_open(dir, "https://example.org", NULL, &h, NULL, 0) != SITE_DIR_OK)
            _exit(1);
        if (write(sync[1], "L", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(sync[1]);
    char c = 0;
    assert_int_equal(read(sync[0], &c, 1), 1);
    close(sync[0]);
    st = 0;
    assert_int_equal(site_dir_open(dir, "https://example.org", &nowait, &d2, why, sizeof why),
                     SITE_DIR_EBUSY);
    snprintf(want, sizeof want, "(pid %ld)", (long)child);
    if (!strstr(why, want))
        fail_msg("%s: no \"%s\"", why, want);
    assert_int_equal(kill(child, SIGKILL), 0);
    assert_int_equal(waitpid(child, &st, 0), child);
    assert_int_equal(site_dir_open(dir, "https://example.org", &nowait, &d2, why, sizeof why),
                     SITE_DIR_OK);
    site_dir_destroy(&d2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lock, s_dir_new, s_dir_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
