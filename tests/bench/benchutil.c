/* benchutil: see benchutil.h. */
#include "benchutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "scoring.pb-c.h"
#include "sign.h"
#include "sos.pb-c.h"

int64_t bu_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

char **bu_read_lines(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char **v = NULL;
    size_t cap = 0;
    *n = 0;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!line[0])
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            v = realloc(v, cap * sizeof *v);
            if (!v)
                abort();
        }
        v[(*n)++] = sos_xstrdup(line);
    }
    fclose(f);
    return v;
}

const char *const bu_persona_file[BU_PERSONAS] = {"builder", "skeptic", "futurist", "founder"};
const char *const bu_persona_name[BU_PERSONAS] = {"Builder", "Skeptic", "Futurist", "Founder"};

void bu_text_fill(char *out, size_t cap, size_t len, size_t target, size_t i)
{
    static const char *const words[] = {"latency", "pricing",      "onboarding",  "docs",
                                        "API",     "support",      "roadmap",     "exports",
                                        "team",    "integrations", "reliability", "search",
                                        "mobile",  "privacy",      "speed",       "UI"};
    unsigned w = (unsigned)(i * 2654435761u);
    while (len + 64 < cap && len < target) {
        int n = snprintf(out + len, cap - len, "The %s is %s and the %s %s. ", words[w % 16],
                         (w >> 4) % 2 ? "good" : "uneven", words[(w >> 8) % 16],
                         (w >> 12) % 2 ? "holds up" : "needs work");
        if (n < 0 || (size_t)n >= cap - len)
            break;
        len += (size_t)n;
        w = w * 1103515245u + 12345u;
    }
    out[len] = 0;
}

/* ~1.7 KB of text, different per take. */
void bu_take_text(char *out, size_t cap, const char *tool, const char *persona, uint32_t rev,
                  size_t i)
{
    int n = snprintf(out, cap, "%s on %s, revision %u (take %zu). ", persona, tool, rev, i);
    bu_text_fill(out, cap, n > 0 && (size_t)n < cap ? (size_t)n : 0, 1600 + (i * 37) % 300, i);
}

int bu_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

double bu_pct_ms(const int64_t *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)ceil(p * (double)n);
    i = i == 0 ? 0 : i - 1;
    return (double)v[i >= n ? n - 1 : i] / 1e6;
}

void bu_take_frame(sos_buf *frame, const sos_key *k, const uint8_t id[16], const char *tool,
                   int persona, const char *persona_name, unsigned rev, size_t i, uint64_t filed_at,
                   char *text, size_t text_cap)
{
    sos_buf payload = SOS_BUF_INIT;
    uint8_t sig[SOS_SIG_BYTES];
    bu_take_text(text, text_cap, tool, persona_name, rev, i);
    Sos__TakeBody body = SOS__TAKE_BODY__INIT;
    body.take_id = (ProtobufCBinaryData){16, (uint8_t *)id};
    body.tool_id = (char *)tool;
    body.persona = (Sos__Persona)(persona + 1);
    body.score = (uint32_t)((i * 7 + (size_t)persona * 13) % 101);
    body.ship = (i + (size_t)persona) % 3 != 0;
    body.text = text;
    body.revision = rev;
    body.filed_at = filed_at;
    sos_buf_pack(&payload, &body.base);
    sos_sign(k, SOS_DOMAIN_TAKE, payload.data, payload.len, sig);
    Sos__Signed sg = SOS__SIGNED__INIT;
    sg.payload = (ProtobufCBinaryData){payload.len, payload.data};
    sg.signer = (ProtobufCBinaryData){SOS_PK_BYTES, (uint8_t *)sos_key_public(k)};
    sg.signature = (ProtobufCBinaryData){SOS_SIG_BYTES, sig};
    Sos__ScoringRequest rq = SOS__SCORING_REQUEST__INIT;
    rq.request_id = (ProtobufCBinaryData){16, (uint8_t *)id};
    rq.body_case = SOS__SCORING_REQUEST__BODY_TAKE_FILE;
    rq.take_file = &sg;
    sos_buf_pack(frame, &rq.base);
    sos_buf_free(&payload);
}

uint32_t bu_take_series(size_t i, size_t T, unsigned rev_base, sos_key *const *keys,
                        char *const *tools, uint64_t filed_at, uint8_t id[SOS_ID_BYTES],
                        sos_buf *frame, char *text, uint8_t **frame_out, size_t *len_out,
                        unsigned *rev_out)
{
    size_t P = T * BU_PERSONAS;
    uint32_t pair = (uint32_t)(i % P);
    int p = (int)(pair % BU_PERSONAS);
    unsigned rev = rev_base + 1 + (unsigned)(i / P);
    sos_id_new(id);
    bu_take_frame(frame, keys[p], id, tools[pair / BU_PERSONAS], p, bu_persona_name[p], rev, i,
                  filed_at, text, 4096);
    *frame_out = sos_xmalloc(frame->len);
    memcpy(*frame_out, frame->data, frame->len);
    *len_out = frame->len;
    *rev_out = rev;
    return pair;
}
