/* sos-web: the readers' front door (docs/architecture.md, "The front
 * door"): the rendered site and the vote API over HTTP, community's
 * protocol over ZeroMQ behind it. No state of its own: several may run
 * behind one reverse proxy. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "conf.h"
#include "log.h"
#include "sign.h"
#include "web_api.h"
#include "web_conf.h"
#include "web_http.h"

#define S_GRACE_MS 10000

static void s_usage(FILE *f)
{
    fprintf(f, "usage: sos-web [--home DIR] [--config FILE] [--verbose]\n"
               "\n"
               "Serves the rendered site and the readers' vote API over HTTP until SIGTERM\n"
               "([web] listen, default 127.0.0.1:8080), asking the community daemon for votes\n"
               "and tallies. SIGTERM finishes the requests in flight, then exits 0.\n"
               "\n"
               "  --home DIR     data, keys and sockets under DIR (default $SOS_HOME or ./var)\n"
               "  --config FILE  INI file overriding the defaults ([web], see docs/operations.md)\n"
               "  --verbose      log debug events\n"
               "  --help         this text\n"
               "  --version      print the version\n"
               "\n"
               "Exit: 0 on SIGTERM; 64 usage; 69 cannot listen; 70 internal error; 78\n"
               "configuration error.\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"home", required_argument, NULL, 'H'}, {"config", required_argument, NULL, 'c'},
        {"verbose", no_argument, NULL, 'v'},    {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},    {NULL, 0, NULL, 0}};
    const char *home = NULL, *config = NULL;
    int verbose = 0, ch, rc = EX_OK;
    char err[512];
    sos_conf *conf = NULL;
    web_conf w;
    web_api *api = NULL;
    web_http *http = NULL;

    memset(&w, 0, sizeof w);
    while ((ch = getopt_long(argc, argv, "H:c:vhV", opts, NULL)) != -1) {
        switch (ch) {
        case 'H': home = optarg; break;
        case 'c': config = optarg; break;
        case 'v': verbose = 1; break;
        case 'h': s_usage(stdout); return EX_OK;
        case 'V': printf("sos-web %s\n", SOS_VERSION); return EX_OK;
        default: s_usage(stderr); return EX_USAGE;
        }
    }
    if (optind != argc) {
        s_usage(stderr);
        return EX_USAGE;
    }
    sos_log_init("web", verbose ? SOS_LOG_DEBUG : SOS_LOG_INFO);
    if (sos_sign_init() != 0) {
        sos_log_error("start.failed", "msg=\"libsodium did not initialise\"");
        return EX_SOFTWARE;
    }
    /* Every thread libmicrohttpd starts inherits this mask: the signals
     * reach main's sigwait only. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (sos_conf_load(config, home, &conf, err, sizeof err) != 0 ||
        web_conf_load(conf, &w, err, sizeof err) != 0) {
        sos_log_error("start.failed", "msg=\"%s\"", err);
        rc = EX_CONFIG;
        goto out;
    }
    if (web_api_new(&w, &api, err, sizeof err) != 0) {
        sos_log_error("start.failed", "msg=\"%s\"", err);
        rc = EX_CONFIG;
        goto out;
    }
    if (web_http_start(&w, api, &http, err, sizeof err) != 0) {
        sos_log_error("start.failed", "msg=\"%s\"", err);
        rc = EX_UNAVAILABLE;
        goto out;
    }
    int v6 = strchr(w.host, ':') != NULL;
    sos_log_info("start", "listen=%s%s%s:%u url=http://%s%s%s:%u/ site_dir=%s community=%s",
                 v6 ? "[" : "", w.host, v6 ? "]" : "", web_http_port(http), v6 ? "[" : "", w.host,
                 v6 ? "]" : "", web_http_port(http), w.site_dir, w.community_api);
    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            sos_log_info("reload.ignored", "msg=\"sos-web rereads nothing on SIGHUP: restart it\"");
            continue;
        }
        sos_log_info("stopping", "signal=%d", sig);
        break;
    }
    web_http_stop(&http, S_GRACE_MS);
    sos_log_flush();
    sos_log_info("stop", "reason=signal exit=0");
out:
    web_http_stop(&http, 0);
    web_api_destroy(&api);
    web_conf_free(&w);
    sos_conf_destroy(&conf);
    return rc;
}
