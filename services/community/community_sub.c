/* community_sub: the newsletter's subscribers (community.h). Addresses are
 * personal data, so nothing of them goes into the event log (a log is
 * append-only; `sos subscriber delete` must be able to erase an address):
 * subscribers, their tokens and their sends are state only. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "community.h"
#include "log.h"
#include "rules.h"
#include "text.h"

#define S_EMAIL_MAX 254
#define S_ISSUE_MAX 32
#define S_LIST_DEFAULT 100
#define S_LIST_MAX 1000

int community_email_check(const char *email, char out[COMMUNITY_EMAIL_CAP], sos_status *st)
{
    size_t n = strlen(email);
    const char *at = strchr(email, '@');
    if (n < 3 || n > S_EMAIL_MAX || !at || at == email || strchr(at + 1, '@') ||
        (size_t)(at - email) > 64 || !strchr(at + 1, '.') || at[1] == '.' || email[n - 1] == '.')
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST,
                        "not an e-mail address (local@domain.tld, at most %d bytes)", S_EMAIL_MAX);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)email[i];
        if (c <= ' ' || c >= 0x7f || strchr("<>()[]\\,;:\"", c))
            return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST,
                            "an e-mail address may not hold '%c' (byte %zu)", c > ' ' ? c : '?',
                            i + 1);
        out[i] = (char)tolower(c);
    }
    out[n] = '\0';
    return 0;
}

static Sos__Subscriber *s_get(sos_txn *t, const char *email)
{
    return (Sos__Subscriber *)sos_rules_get(t, COMMUNITY_DB_SUBSCRIBERS,
                                            &sos__subscriber__descriptor, email, strlen(email));
}

static int s_tokens_del(sos_txn *t, const Sos__Subscriber *s)
{
    const ProtobufCBinaryData *tok[2] = {&s->confirm_token, &s->unsubscribe_token};
    for (int i = 0; i < 2; i++) {
        if (!tok[i]->len)
            continue;
        int rc = sos_txn_del(t, COMMUNITY_DB_TOKENS, tok[i]->data, tok[i]->len);
        if (rc != SOS_OK && rc != SOS_NOTFOUND)
            return rc;
    }
    return 0;
}

static int s_put(sos_txn *t, const Sos__Subscriber *s)
{
    return sos_rules_put(t, COMMUNITY_DB_SUBSCRIBERS, s->email, strlen(s->email), &s->base);
}

int community_subscribe(sos_txn *t, const Sos__Subscribe *req, uint64_t now,
                        const uint8_t confirm[COMMUNITY_TOKEN_BYTES],
                        const uint8_t unsub[COMMUNITY_TOKEN_BYTES], Sos__Subscriber **out,
                        sos_status *st)
{
    char email[COMMUNITY_EMAIL_CAP];
    int rc;
    *out = NULL;
    if ((rc = community_email_check(req->email, email, st)))
        return rc;
    Sos__Subscriber *s = s_get(t, email);
    if (s && s->state != SOS__SUBSCRIBER_STATE__SUBSCRIBER_STATE_UNSUBSCRIBED) {
        *out = s; /* pending: the same tokens again (a resent confirmation); confirmed: as is */
        return 0;
    }
    if (s && (rc = s_tokens_del(t, s))) {
        sos__subscriber__free_unpacked(s, NULL);
        return rc;
    }
    if (s)
        sos__subscriber__free_unpacked(s, NULL);
    Sos__Subscriber fresh = SOS__SUBSCRIBER__INIT;
    fresh.email = email;
    fresh.state = SOS__SUBSCRIBER_STATE__SUBSCRIBER_STATE_PENDING;
    fresh.confirm_token = (ProtobufCBinaryData){COMMUNITY_TOKEN_BYTES, (uint8_t *)confirm};
    fresh.unsubscribe_token = (ProtobufCBinaryData){COMMUNITY_TOKEN_BYTES, (uint8_t *)unsub};
    fresh.created_at = now;
    if ((rc = s_put(t, &fresh)) ||
        (rc = sos_txn_put(t, COMMUNITY_DB_TOKENS, confirm, COMMUNITY_TOKEN_BYTES, email,
                          strlen(email))) ||
        (rc = sos_txn_put(t, COMMUNITY_DB_TOKENS, unsub, COMMUNITY_TOKEN_BYTES, email,
                          strlen(email))))
        return rc;
    *out = s_get(t, email);
    if (!*out)
        return SOS_EIO;
    sos_log_info("subscriber.pending", "subscribers=+1");
    return 0;
}

/* The subscriber a token names, or NOT_FOUND. */
static int s_by_token(sos_txn *t, const Sos__Token *tok, Sos__Subscriber **out, sos_status *st)
{
    char email[COMMUNITY_EMAIL_CAP];
    sos_val v;
    *out = NULL;
    if (tok->token.len != COMMUNITY_TOKEN_BYTES)
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "a token is %d bytes (32 hex digits)",
                        COMMUNITY_TOKEN_BYTES);
    int rc = sos_txn_get(t, COMMUNITY_DB_TOKENS, tok->token.data, tok->token.len, &v);
    if (rc == SOS_NOTFOUND)
        return sos_fail(st, SOS__CODE__CODE_NOT_FOUND,
                        "unknown token: the link is wrong, or the address was unsubscribed or "
                        "deleted");
    if (rc)
        return rc;
    if (v.len == 0 || v.len >= sizeof email)
        return sos_store_corrupt("tokens", tok->token.data, tok->token.len, "an email not 1-254");
    memcpy(email, v.data, v.len);
    email[v.len] = '\0';
    *out = s_get(t, email);
    return *out ? 0
                : sos_store_corrupt("tokens", tok->token.data, tok->token.len,
                                    "a token whose subscriber is missing");
}

static bool s_is(const ProtobufCBinaryData *a, const ProtobufCBinaryData *b)
{
    return a->len == b->len && a->len && !memcmp(a->data, b->data, a->len);
}

int community_confirm(sos_txn *t, const Sos__Token *tok, uint64_t now, Sos__Subscriber **out,
                      sos_status *st)
{
    int rc = s_by_token(t, tok, out, st);
    if (rc)
        return rc;
    Sos__Subscriber *s = *out;
    if (!s_is(&s->confirm_token, &tok->token))
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "this is an unsubscribe link's token");
    if (s->state == SOS__SUBSCRIBER_STATE__SUBSCRIBER_STATE_CONFIRMED)
        return 0;
    s->state = SOS__SUBSCRIBER_STATE__SUBSCRIBER_STATE_CONFIRMED;
    s->confirmed_at = now;
    if ((rc = s_put(t, s)))
        return rc;
    sos_log_info("subscriber.confirmed", "subscribers=+1");
    return 0;
}

int community_unsubscribe(sos_txn *t, const Sos__Token *tok, Sos__Subscriber **out, sos_status *st)
{
    int rc = s_by_token(t, tok, out, st);
    if (rc)
        return rc;
    Sos__Subscriber *s = *out;
    if (!s_is(&s->unsubscribe_token, &tok->token))
        return sos_fail(st, SOS__CODE__CODE_BAD_REQUEST, "this is a confirmation link's token");
    /* the tokens go: the links stop working, a new subscribe makes new ones */
    if ((rc = s_tokens_del(t, s)))
        return rc;
    s->state = SOS__SUBSCRIBER_STATE__SUBSCRIBER_STATE_UNSUBSCRIBED;
    s->confirm_token.len = 0;
    s->unsubscribe_token.len = 0;
    if ((rc = s_put(t, s)))
        return rc;
    sos_log_info("subscriber.unsubscribed", "subscribers=-1");
    return 0;
}

/* sends key: issue NUL email */
static size_t s_send_key(char *out, const char *issue, const char *email)
{
    size_t il = strlen(issue), el = strlen(email);
    memcpy(out, issue, il);
    out[il] = '\0';
    memcpy(out + il + 1, email, el);
    return il + 1 + el;
}

int community_subscriber_delete(sos_txn *t, const char *email_in, Sos__Subscriber **out,
                                sos_status *st)
{
    char email[COMMUNITY_EMAIL_CAP];
    int rc;
    *out = NULL;
    if ((rc = community_email_check(email_in, email, st)))
        return rc;
    Sos__Subscriber *s = s_get(t, email);
    if (!s)
        return sos_fail(st, SOS__CODE__CODE_NOT_FOUND, "no subscriber %s", email);
    *out = s;
    if ((rc = s_tokens_del(t, s)) ||
        (rc = sos_txn_del(t, COMMUNITY_DB_SUBSCRIBERS, email, strlen(email))))
        return rc;
    /* its sends: every key "<issue> NUL <email>" */
    sos_cursor *c = NULL;
    sos_val k, v;
    size_t el = strlen(email);
    char(*keys)[S_ISSUE_MAX + 2 + S_EMAIL_MAX] = NULL;
    size_t n = 0, cap = 0;
    if ((rc = sos_cursor_open(t, COMMUNITY_DB_SENDS, &c)))
        return rc;
    for (rc = sos_cursor_seek(c, NULL, 0, &k, &v); rc == SOS_OK; rc = sos_cursor_next(c, &k, &v)) {
        const char *kd = k.data;
        if (k.len > el && k.len <= sizeof keys[0] && kd[k.len - el - 1] == '\0' &&
            !memcmp(kd + k.len - el, email, el)) {
            if (n == cap) {
                cap = cap ? 2 * cap : 8;
                keys = sos_xrealloc(keys, cap * sizeof keys[0]);
            }
            memcpy(keys[n], kd, k.len);
            keys[n][sizeof keys[0] - 1] = (char)k.len; /* never a real byte: a key is shorter */
            n++;
        }
    }
    sos_cursor_destroy(&c);
    if (rc == SOS_NOTFOUND)
        rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc =
            sos_txn_del(t, COMMUNITY_DB_SENDS, keys[i], (unsigned char)keys[i][sizeof keys[0] - 1]);
    free(keys);
    if (!rc)
        sos_log_info("subscriber.deleted", "sends=%zu", n);
    return rc;
}

int community_send_mark(sos_txn *t, const Sos__SendMark *m, uint64_t now, sos_status *st)
{
    char email[COMMUNITY_EMAIL_CAP], key[S_ISSUE_MAX + 2 + S_EMAIL_MAX];
    uint8_t at[8];
    int rc;
    if ((rc = sos_rules_text(st, "issue", m->issue, 1, S_ISSUE_MAX)) ||
        (rc = community_email_check(m->email, email, st)))
        return rc;
    rc = sos_txn_get(t, COMMUNITY_DB_SUBSCRIBERS, email, strlen(email), NULL);
    if (rc == SOS_NOTFOUND)
        return sos_fail(st, SOS__CODE__CODE_NOT_FOUND, "no subscriber %s", email);
    if (rc)
        return rc;
    sos_be64_put(at, now);
    return sos_txn_put(t, COMMUNITY_DB_SENDS, key, s_send_key(key, m->issue, email), at, 8);
}

int community_subscriber_list(sos_txn *t, const Sos__SubscriberQuery *q, Sos__SubscriberPage *page,
                              sos_status *st)
{
    char key[S_ISSUE_MAX + 2 + S_EMAIL_MAX];
    size_t max = q->max ? q->max : S_LIST_DEFAULT, al = strlen(q->after);
    sos_cursor *c = NULL;
    sos_val k, v;
    int rc;
    if (max > S_LIST_MAX)
        max = S_LIST_MAX;
    if (q->unsent_issue[0] && (rc = sos_rules_text(st, "issue", q->unsent_issue, 1, S_ISSUE_MAX)))
        return rc;
    if ((rc = sos_cursor_open(t, COMMUNITY_DB_SUBSCRIBERS, &c)))
        return rc;
    rc = sos_cursor_seek(c, al ? q->after : NULL, al, &k, &v);
    if (rc == SOS_OK && al && k.len == al && !memcmp(k.data, q->after, al))
        rc = sos_cursor_next(c, &k, &v);
    for (; rc == SOS_OK; rc = sos_cursor_next(c, &k, &v)) {
        if (page->n_subscribers == max) {
            /* more follow: the next page starts after the last one given */
            const char *last = page->subscribers[max - 1]->email;
            page->next = sos_xmalloc(strlen(last) + 1);
            memcpy(page->next, last, strlen(last) + 1);
            break;
        }
        Sos__Subscriber *s =
            (Sos__Subscriber *)sos_unpack(&sos__subscriber__descriptor, v.data, v.len);
        if (!s) {
            rc = sos_store_corrupt("subscribers", k.data, k.len,
                                   "a subscriber that does not decode");
            break;
        }
        bool keep =
            !q->confirmed_only || s->state == SOS__SUBSCRIBER_STATE__SUBSCRIBER_STATE_CONFIRMED;
        if (keep && q->unsent_issue[0] && strlen(s->email) <= S_EMAIL_MAX) {
            int g = sos_txn_get(t, COMMUNITY_DB_SENDS, key,
                                s_send_key(key, q->unsent_issue, s->email), NULL);
            if (g != SOS_OK && g != SOS_NOTFOUND) {
                sos__subscriber__free_unpacked(s, NULL);
                rc = g;
                break;
            }
            keep = g == SOS_NOTFOUND;
        }
        if (!keep) {
            sos__subscriber__free_unpacked(s, NULL);
            continue;
        }
        page->subscribers =
            sos_xrealloc(page->subscribers, (page->n_subscribers + 1) * sizeof *page->subscribers);
        page->subscribers[page->n_subscribers++] = s;
    }
    sos_cursor_destroy(&c);
    if (!page->next)
        page->next = (char *)"";
    return rc == SOS_NOTFOUND || rc == SOS_OK ? 0 : rc;
}

void community_page_clear(Sos__SubscriberPage *page)
{
    for (size_t i = 0; i < page->n_subscribers; i++)
        sos__subscriber__free_unpacked(page->subscribers[i], NULL);
    free(page->subscribers);
    if (page->next && page->next[0]) /* "" is not ours: no next page */
        free(page->next);
    page->subscribers = NULL;
    page->n_subscribers = 0;
    page->next = NULL;
}
