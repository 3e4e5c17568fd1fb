/* site_review: the "How we review" page (how-we-review/index.html): the
 * panel, the quorum, the labels, the signatures and how a reader checks
 * them. Static text and the persona table (site_meta.c); nothing in it
 * depends on the published data or the configuration, so `sos verify`
 * rebuilds the same bytes. */
#include "html.h"
#include "site_int.h"
#include "text.h"

void site_review_html(const site_opts *o, sos_buf *out)
{
    const char *root = "../";
    site_page_head_solo(o, root, "website", "How We Review" SITE_TITLE_SUFFIX,
                        "How the Ship or Skip panel reviews AI tools: five personas, a quorum, "
                        "Ship, Skip or Split, and signatures any reader can check offline.",
                        "how-we-review/", NULL, out);
    html_fmt(out,
             "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><a href=\"%sindex.html\">"
             "Home</a>/<span aria-current=\"page\">How we review</span></nav>\n",
             root);
    html_raw(out, "<p class=\"eyebrow\">About the verdicts</p>\n<h1>How we review</h1>\n"
                  "<p class=\"lede\">Every verdict on this site comes from a fixed panel of five "
                  "reviewers, is signed, and can be checked by anyone, offline.</p>\n");

    html_raw(out, "<section class=\"review\" aria-labelledby=\"panel\">\n<h2 id=\"panel\">The "
                  "panel</h2>\n<p>Five personas review every tool, each from its own angle:</p>\n"
                  "<ul class=\"personas\">\n");
    for (int p = 1; p <= 5; p++)
        html_fmt(out, "<li><strong>%s</strong> judges %s.</li>\n",
                 sos_persona_name((Sos__Persona)p), site_persona_judges((Sos__Persona)p));
    html_raw(out, "</ul>\n<p>A take is a score out of 100, ship or skip, and a few sentences. "
                  "A reviewer may amend a take (a higher revision) until the verdict is final; "
                  "every revision is kept and the latest counts. A persona may have no take on "
                  "a tool: the page then says \xe2\x80\x9cNo panel take\xe2\x80\x9d. Each take "
                  "shows the date its reviewer filed it.</p>\n</section>\n");

    html_raw(out, "<section class=\"review\" aria-labelledby=\"quorum\">\n<h2 id=\"quorum\">The "
                  "quorum</h2>\n<p>A tool\xe2\x80\x99s verdict becomes final when takes from a "
                  "quorum of personas are in: four of the five by default (its operator may "
                  "choose from one to five, the <code>[scoring] quorum</code> setting). An editor "
                  "may also finalize a "
                  "verdict with fewer takes. The signed verdict records which happened, as its "
                  "rule: <code>quorum:4</code> or <code>editor</code>. Then the takes close, the "
                  "verdict is signed and published, and the page shows the date it was "
                  "published. A comparison is published once both of its tools have a final "
                  "verdict; its page is updated whenever either verdict is.</p>\n</section>\n");

    html_raw(out, "<section class=\"review\" aria-labelledby=\"labels\">\n<h2 id=\"labels\">Ship, "
                  "Skip or Split</h2>\n<p>Over the latest take of each persona that has one:</p>"
                  "\n<ul>\n<li><strong>Ship</strong> when more personas ship than skip, "
                  "<strong>Skip</strong> when more skip than ship, <strong>Split</strong> when "
                  "they are even.</li>\n<li><strong>Panel ship</strong> is the share that ship, "
                  "100 \xc3\x97 ship \xc3\xb7 (ship + skip), rounded to a whole percent (halves "
                  "up).</li>\n<li><strong>Mean score</strong> is the average of their scores, "
                  "rounded to two decimals (halves up).</li>\n</ul>\n<p>The arithmetic is done in "
                  "whole numbers, so the signed figures never depend on how a computer prints a "
                  "fraction. On a comparison page, the line under the introduction answers "
                  "\xe2\x80\x9cwhich one should you ship?\xe2\x80\x9d from the two verdicts alone. "
                  "Community votes, when there are any, are counted apart and never blended into "
                  "the panel\xe2\x80\x99s verdict.</p>\n</section>\n");

    html_raw(out, "<section class=\"review\" aria-labelledby=\"signatures\">\n<h2 "
                  "id=\"signatures\">The signatures</h2>\n<p>Each reviewer signs their takes "
                  "with an Ed25519 key on their own machine; an editor registers that key on the "
                  "panel for one persona, and a take signed by any other key is refused. When a "
                  "verdict is final, the aggregation service signs it: the tool as reviewed, the "
                  "hashes (BLAKE2b-256) of exactly the takes it counted, the counts, panel ship, "
                  "mean score, label, rule and date. Every signature covers a domain tag, a zero "
                  "byte and the exact bytes signed: <code>shiporskip/take/v1</code> for a take, "
                  "<code>shiporskip/verdict/v1</code> for a verdict, so a signature over one kind "
                  "of record never passes for another. Dates are UTC: a take\xe2\x80\x99s is its "
                  "reviewer\xe2\x80\x99s clock when they filed it, a verdict\xe2\x80\x99s the "
                  "moment it was signed; both are inside the signed bytes.</p>\n</section>\n");

    html_fmt(out,
             "<section class=\"review\" aria-labelledby=\"verify\">\n<h2 id=\"verify\">Check it "
             "yourself</h2>\n<p>Every comparison and tool page has a JSON twin (the "
             "<code>index.json</code> beside it, linked at the foot of the page) that carries the "
             "signed takes and the signed verdict the page shows: each record\xe2\x80\x99s "
             "payload, signer, signature and hash. With a copy of the site, offline:</p>\n"
             "<pre><code>sos verify DIR\nsos verify --key AGGREGATION.pub DIR</code></pre>\n"
             "<p><code>sos verify</code> checks every signature and hash, that each verdict "
             "counts exactly the takes shown and that its figures are their tally, then "
             "rebuilds the whole site from the signed data alone and compares it with the copy "
             "byte for byte, this page included. It names every file that differs. "
             "<code>--key</code> pins the key every verdict must be signed by; without it, all "
             "must share one signer, which it prints. Anyone with libsodium can check a "
             "signature by hand: Ed25519 over the domain tag, a zero byte and the "
             "payload.</p>\n<p><a href=\"%sindex.html\">Back to the comparisons</a></p>\n"
             "</section>\n",
             root);
    site_page_tail(root, false, out);
}
