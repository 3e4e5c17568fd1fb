/* unit.web.web_static: request paths, content types, and files opened
 * only inside the resolved site root (a `current` symlink to a release,
 * as `sos render` makes it). */
#include "testutil.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "web_static.h"

static void s_write(const char *dir, const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_path_check(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        int rc;
    } cases[] = {
        {"/", WEB_STATIC_OK},
        {"/index.html", WEB_STATIC_OK},
        {"/tools/cursor/", WEB_STATIC_OK},
        {"/a..b/x", WEB_STATIC_OK},
        {"", WEB_STATIC_BAD_PATH},
        {"index.html", WEB_STATIC_BAD_PATH},
        {"/..", WEB_STATIC_BAD_PATH},
        {"/../etc/passwd", WEB_STATIC_BAD_PATH},
        {"/tools/../../x", WEB_STATIC_BAD_PATH},
        {"/tools/..", WEB_STATIC_BAD_PATH},
        {"/a\\..\\b", WEB_STATIC_BAD_PATH},
        {"/.state/data.mdb", WEB_STATIC_NOT_FOUND},
        {"/x/.hidden", WEB_STATIC_NOT_FOUND},
        {"/./index.html", WEB_STATIC_NOT_FOUND},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = web_static_path_check(cases[i].path, strlen(cases[i].path));
        if (rc != cases[i].rc)
            fail_msg("%s: %d, want %d", cases[i].path, rc, cases[i].rc);
    }
    /* a NUL inside the decoded path */
    assert_int_equal(web_static_path_check("/a\0b", 4), WEB_STATIC_BAD_PATH);
}

static void test_types(void **state)
{
    (void)state;
    assert_string_equal(web_static_type("/index.html"), "text/html; charset=utf-8");
    assert_string_equal(web_static_type("/x/a.json"), "application/json");
    assert_string_equal(web_static_type("/assets/site.css"), "text/css; charset=utf-8");
    assert_string_equal(web_static_type("/assets/vote.js"), "text/javascript; charset=utf-8");
    assert_string_equal(web_static_type("/logo.svg"), "image/svg+xml");
    assert_string_equal(web_static_type("/og.png"), "image/png");
    assert_string_equal(web_static_type("/sitemap.xml"), "application/xml");
    assert_string_equal(web_static_type("/feed.atom"), "application/atom+xml");
    assert_string_equal(web_static_type("/robots.txt"), "text/plain; charset=utf-8");
    assert_string_equal(web_static_type("/x.tar.gz"), "application/octet-stream");
    assert_string_equal(web_static_type("/a.b/noext"), "application/octet-stream");
}

static void test_open_inside_release(void **state)
{
    (void)state;
    char dir[64], p[256], outside[64];
    web_file f;
    tu_tmpdir(dir);
    tu_tmpdir(outside);
    snprintf(p, sizeof p, "%s/releases", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/releases/1", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    s_write(p, "index.html", "<p>home</p>");
    s_write(p, "404.html", "<p>not here</p>");
    snprintf(p, sizeof p, "%s/releases/1/tools", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    s_write(p, "index.html", "tools");
    s_write(outside, "secret.txt", "secret");
    snprintf(p, sizeof p, "%s/current", dir);
    assert_int_equal(symlink("releases/1", p), 0);
    /* a symlink inside the release pointing out of it */
    char link[256], target[256];
    snprintf(link, sizeof link, "%s/releases/1/leak.txt", dir);
    snprintf(target, sizeof target, "%s/secret.txt", outside);
    assert_int_equal(symlink(target, link), 0);
    /* and one pointing at the release's parent */
    snprintf(link, sizeof link, "%s/releases/1/up", dir);
    assert_int_equal(symlink("..", link), 0);

    char site[256];
    snprintf(site, sizeof site, "%s/current", dir);
    assert_int_equal(web_static_open(site, "/", 1, &f), WEB_STATIC_OK);
    assert_int_equal(f.size, 11);
    assert_string_equal(f.type, "text/html; charset=utf-8");
    assert_true(f.etag[0] == '"');
    close(f.fd);
    assert_int_equal(web_static_open(site, "/tools/", 7, &f), WEB_STATIC_OK);
    close(f.fd);
    assert_int_equal(web_static_open(site, "/tools", 6, &f), WEB_STATIC_REDIRECT);
    assert_int_equal(web_static_open(site, "/nope.html", 10, &f), WEB_STATIC_NOT_FOUND);
    assert_int_equal(web_static_open(site, "/leak.txt", 9, &f), WEB_STATIC_NOT_FOUND);
    assert_int_equal(web_static_open(site, "/up/", 4, &f), WEB_STATIC_NOT_FOUND);
    /* through the same link back into the release: inside, served */
    assert_int_equal(web_static_open(site, "/up/1/index.html", 16, &f), WEB_STATIC_OK);
    close(f.fd);
    assert_int_equal(web_static_open(site, "/../current/index.html", 22, &f), WEB_STATIC_BAD_PATH);
    assert_int_equal(web_static_open_404(site, &f), WEB_STATIC_OK);
    assert_int_equal(f.size, 15);
    close(f.fd);
    /* no site yet */
    snprintf(p, sizeof p, "%s/missing", dir);
    assert_int_equal(web_static_open(p, "/", 1, &f), WEB_STATIC_NO_SITE);
    assert_int_equal(tu_rmrf(dir), 0);
    assert_int_equal(tu_rmrf(outside), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_check),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_open_inside_release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
