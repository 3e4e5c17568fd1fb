/* site_assets: the stylesheet, script and icon every page loads. Local
 * files, no external requests (no CDN fonts or scripts). */
#include <string.h>

#include "site.h"

/* The index pages (issue 14, item 5): their rows, dates and the finder.
 * [hidden] wins over a display rule (a stacked row is display:grid), so a
 * filtered-out row and the finder before the script runs stay hidden.
 * Narrow, a comparison row shows a tool a line, without the dash. */
#define S_CSS_INDEX                                                                                \
    "[hidden]{display:none!important}\n"                                                           \
    ".lists{margin:.5rem 0 1rem}\n"                                                                \
    ".finder{display:flex;flex-wrap:wrap;align-items:flex-end;gap:.75rem 1.25rem;"                 \
    "border:1px solid var(--line);border-radius:12px;padding:.75rem 1.25rem;margin:1rem 0}\n"      \
    ".finder-field{display:flex;flex-direction:column;gap:.2rem;min-width:0;"                      \
    "flex:1 1 12rem}\n"                                                                            \
    ".finder label{font-weight:600;font-size:.9rem}\n"                                             \
    ".finder input,.finder select{font:inherit;color:var(--ink);background:var(--bg);"             \
    "border:1px solid var(--muted);border-radius:8px;padding:.4rem .6rem;width:100%;"              \
    "min-width:0}\n"                                                                               \
    ".finder-count{flex:1 1 100%;margin:0;color:var(--muted);font-size:.9rem}\n"                   \
    ".rows{list-style:none;padding:0;margin:0}\n"                                                  \
    ".rows>li{border-bottom:1px solid var(--line);padding:.75rem 0}\n"                             \
    ".rows p{margin:.15rem 0;overflow-wrap:anywhere}\n"                                            \
    ".row-head a{font-weight:700}.row-head time,td time{color:var(--muted);font-size:.9rem}"       \
    ".row-head time{margin-left:.5rem;white-space:nowrap}\n"                                       \
    ".row-answer{font-weight:600}\n"                                                               \
    ".row-sides .side{display:inline-block;margin:.15rem 0}\n"                                     \
    "@media(max-width:719px){.row-sides .side{display:block}.row-sides .sep{display:none}}\n"

/* The finder on an index page: a search box and a category filter over
 * the rows, from the data the page carries (#sos-finder: no request, so
 * it works from file:// too). Each row has data-key; a filtered-out row
 * gets hidden; the count is announced (aria-live). */
#define S_JS_FINDER                                                                                \
    "(function(){\n"                                                                               \
    "var form=document.querySelector('form.finder'),"                                              \
    "data=document.getElementById('sos-finder');if(!form||!data)return;\n"                         \
    "var items;try{items=JSON.parse(data.textContent)}catch(e){return}\n"                          \
    "var rows={};document.querySelectorAll('[data-key]').forEach(function(el){"                    \
    "rows[el.getAttribute('data-key')]=el});\n"                                                    \
    "var q=form.querySelector('input'),cat=form.querySelector('select'),"                          \
    "out=form.querySelector('.finder-count'),cats={},total={c:0,t:0};\n"                           \
    "items.forEach(function(it){it.s=it.q.toLowerCase();total[it.k.charAt(0)]++;"                  \
    "it.cat.forEach(function(c){cats[c]=1})});\n"                                                  \
    "Object.keys(cats).sort(function(a,b){return a.localeCompare(b)}).forEach(function(c){"        \
    "var o=document.createElement('option');o.value=c;o.textContent=c;cat.appendChild(o)});\n"     \
    "function part(n,of,one,many){return n+' of '+of+' '+(of===1?one:many)}\n"                     \
    "function apply(){var words=q.value.toLowerCase().split(/\\s+/).filter(Boolean),"              \
    "c=cat.value,n={c:0,t:0};\n"                                                                   \
    " items.forEach(function(it){var ok=(!c||it.cat.indexOf(c)>=0)&&words.every(function(w){"      \
    "return it.s.indexOf(w)>=0});var el=rows[it.k];if(el)el.hidden=!ok;"                           \
    "if(ok)n[it.k.charAt(0)]++});\n"                                                               \
    " var say=[];if(total.c)say.push(part(n.c,total.c,'comparison','comparisons'));"               \
    "if(total.t)say.push(part(n.t,total.t,'tool','tools'));\n"                                     \
    " out.textContent='Showing '+(say.join(' and ')||'nothing')+'.'}\n"                            \
    "form.addEventListener('submit',function(e){e.preventDefault();apply()});\n"                   \
    "q.addEventListener('input',apply);cat.addEventListener('change',apply);\n"                    \
    "apply();form.hidden=false;\n"                                                                 \
    "})();\n"

/* Layout rules (docs/site.md): nothing may be wider than a 390 px screen.
 * Below 720 px a table of class "stack" turns into blocks, one a row, each
 * cell under its column's name (data-label); the tool page's scorecard
 * ("solo") is a grid of persona cards at every width. Colours are the
 * custom properties, set again for prefers-color-scheme: dark; both sets
 * meet WCAG AA. Every focusable thing shows the same ring (--focus). */
static const char s_css[] =
    ":root{--ink:#16181d;--muted:#5b6270;--line:#d9dde3;--bg:#fff;--soft:#f4f6f8;"
    "--ship:#0b6b3a;--ship-bg:#e3f4ea;--skip:#9b1c1c;--skip-bg:#fbe7e7;--split:#6b4e00;"
    "--split-bg:#fbf1d6;--link:#0b4fa8;--focus:#0b4fa8;color-scheme:light dark}\n"
    "@media(prefers-color-scheme:dark){:root{--ink:#e8eaed;--muted:#a7afbb;--line:#3a404a;"
    "--bg:#121418;--soft:#1b1e24;--ship:#6ad69a;--ship-bg:#123222;--skip:#ff9e9e;"
    "--skip-bg:#3d1a1a;--split:#efc75e;--split-bg:#372b0c;--link:#8ab4ff;--focus:#8ab4ff}}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:16px/1.55 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
    "color:var(--ink);background:var(--bg);overflow-wrap:break-word}\n"
    "a{color:var(--link)}\n"
    ":focus-visible{outline:3px solid var(--focus);outline-offset:2px}\n"
    /* .skip-link, not .skip: .skip is also a score's and a badge's class */
    ".skip-link{position:absolute;left:-9999px}.skip-link:focus{left:1rem;top:1rem;"
    "background:var(--bg);padding:.5rem;z-index:9}\n"
    ".sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;"
    "clip:rect(0,0,0,0);white-space:nowrap;border:0}\n"
    "header.site,footer.site{padding:.75rem max(1rem,calc((100% - 1100px)/2 + 1rem));"
    "border-bottom:1px solid var(--line)}\n"
    "footer.site{border-top:1px solid var(--line);border-bottom:0;color:var(--muted);"
    "font-size:.9rem;margin-top:2rem}\n"
    ".brand{font-weight:800;text-decoration:none;color:var(--ink);letter-spacing:.02em}\n"
    "main{max-width:1100px;margin:0 auto;padding:1rem}\n"
    ".crumbs{font-size:.9rem;color:var(--muted)}.crumbs a{margin-right:.25rem}"
    ".crumbs span{margin-left:.25rem}\n"
    ".eyebrow{text-transform:uppercase;font-size:.8rem;letter-spacing:.08em;color:var(--muted);"
    "margin:1rem 0 .25rem}\n"
    "h1{font-size:clamp(1.6rem,4vw,2.4rem);line-height:1.2;margin:.25rem 0 .5rem}\n"
    ".lede{font-size:1.1rem;color:var(--muted);max-width:60ch}\n"
    ".cards{display:grid;grid-template-columns:minmax(0,1fr);gap:1rem;margin:1.5rem 0}\n"
    "@media(min-width:720px){.cards{grid-template-columns:repeat(2,minmax(0,1fr))}.cards.one{"
    "grid-template-columns:minmax(0,1fr)}}\n"
    ".card{border:1px solid var(--line);border-radius:12px;padding:1rem 1.25rem;"
    "background:var(--soft);display:flex;flex-direction:column;align-items:flex-start}\n"
    ".card .bookmark{margin-top:auto}\n"
    ".avatar{width:2.5rem;height:2.5rem;border-radius:50%;background:var(--ink);"
    "color:var(--bg);display:grid;place-items:center;font-weight:700}\n"
    ".cat{color:var(--muted);font-size:.85rem;margin:.5rem 0 0}\n"
    ".card h2{margin:.1rem 0;font-size:1.35rem}.card h2 a{color:var(--ink)}\n"
    /* a card's items are as wide as their longest word: let a long one break */
    "h1,.card h2,.card p{overflow-wrap:anywhere}\n"
    ".tagline{margin:.25rem 0 .75rem}\n"
    ".stats{list-style:none;padding:0;margin:0 0 .75rem;display:grid;"
    "grid-template-columns:repeat(2,minmax(0,max-content));gap:.5rem 1.5rem;align-items:center}\n"
    ".stats li{display:flex;align-items:baseline;gap:.35rem}\n"
    ".stats .v{font-weight:700;font-size:1.15rem}.stats .k{color:var(--muted);font-size:.85rem}"
    "\n.muted{color:var(--muted)}.stats .v.muted{font-weight:400;font-size:.95rem}\n"
    /* a long summary wraps inside its badge at 390 px: rounded, not a pill */
    ".badge{display:inline-block;border-radius:1rem;padding:.1rem .6rem;font-weight:700}\n"
    ".badge.ship{background:var(--ship-bg);color:var(--ship)}.badge.skip{background:"
    "var(--skip-bg);color:var(--skip)}.badge.split{background:var(--split-bg);color:"
    "var(--split)}\n"
    ".desc{margin:.5rem 0 1rem}\n"
    "button.bookmark{font:inherit;color:var(--ink);border:1px solid var(--ink);"
    "background:var(--bg);border-radius:8px;padding:.35rem .8rem;cursor:pointer}\n"
    "button.bookmark[aria-pressed=true]{background:var(--ink);color:var(--bg)}\n"
    ".scroll{overflow-x:auto}\n"
    "table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}\n"
    "th,td{text-align:left;vertical-align:top;padding:.6rem .75rem;border-bottom:1px solid "
    "var(--line)}\n"
    "thead th{font-size:.95rem}tbody th{font-weight:600;white-space:nowrap}\n"
    ".scorecard td{width:45%}.scorecard .score{font-weight:700;margin:0 0 .25rem}\n"
    ".score.ship{color:var(--ship)}.score.skip{color:var(--skip)}.none{color:var(--muted)}\n"
    /* the tool page's scorecard: a card per persona, as many across as fit */
    ".scorecard.solo,.solo tbody,.solo th,.solo td{display:block;width:auto;border:0;"
    "padding:0}\n"
    ".solo tbody{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,18rem),"
    "1fr));gap:1rem}\n"
    ".solo tr{display:flex;flex-direction:column;gap:.35rem;border:1px solid var(--line);"
    "border-radius:12px;padding:.9rem 1.1rem;background:var(--soft)}\n"
    ".solo tbody th{font-size:1.05rem}.solo td p{margin:0 0 .5rem}\n"
    "@media(max-width:719px){th,td{padding:.45rem .5rem}td{overflow-wrap:anywhere}"
    "tbody th{white-space:normal}\n"
    /* the column headers stay for screen readers; each cell shows its own */
    ".stack thead{position:absolute;width:1px;height:1px;overflow:hidden;"
    "clip:rect(0,0,0,0);white-space:nowrap}\n"
    "table.stack,.stack tbody,.stack th,.stack td{display:block;width:auto;border:0;"
    "padding:0}\n"
    ".stack tr{display:grid;grid-template-columns:repeat(auto-fit,minmax(9.5rem,1fr));"
    "gap:.35rem 1rem;padding:.75rem 0;border-bottom:1px solid var(--line)}\n"
    /* the headers, and a verdict badge (too long for half of 390 px), take a whole line */
    ".stack tbody th,.stack td:has(>.badge){grid-column:1/-1}"
    ".stack tbody th{font-size:1.05rem}\n"
    ".stack td::before{content:attr(data-label);display:block;font-size:.8rem;"
    "color:var(--muted);margin-bottom:.15rem}\n"
    ".scorecard.stack tr{grid-template-columns:minmax(0,1fr)}"
    ".scorecard.stack td+td{margin-top:.5rem}}\n"
    ".links{padding-left:1.2rem}.links li{margin:.35rem 0}\n"
    ".newsletter,.bookmarks{border:1px solid var(--line);border-radius:12px;padding:1rem "
    "1.25rem;margin:1.5rem 0}\n"
    ".strong{font-weight:700}\n"
    /* --- the answer under a comparison's lede (issue 14, item 1) --- */
    ".answer{border:1px solid var(--line);border-radius:12px;padding:.75rem 1.25rem;"
    "margin:1rem 0 1.5rem}\n"
    ".answer-line{font-weight:700;font-size:1.1rem;margin:0 0 .5rem;overflow-wrap:anywhere}\n"
    ".answer-bars{list-style:none;margin:0;padding:0;display:grid;gap:.5rem 2rem}\n"
    "@media(min-width:720px){.answer-bars{grid-template-columns:1fr 1fr}}\n"
    ".answer-bars li{min-width:0}.bar-name{display:block;font-weight:600;"
    "overflow-wrap:anywhere}\n"
    ".bar-row{display:flex;align-items:center;gap:.6rem;margin:.2rem 0}\n"
    ".bar{flex:1;min-width:0;height:.6rem;border-radius:999px;background:var(--soft);"
    "border:1px solid var(--line);overflow:hidden}\n"
    ".bar-fill{display:block;height:100%}.bar-fill.ship{background:var(--ship)}"
    ".bar-fill.mean{background:var(--link)}\n"
    ".bar-num{flex:none;min-width:6.5rem;font-size:.9rem;font-variant-numeric:tabular-nums}\n"
    /* --- dates and people; how-we-review/ (issue 14, item 2) --- */
    ".dates{color:var(--muted);font-size:.9rem;margin:.25rem 0}\n"
    ".judges{font-weight:400;font-size:.85rem;color:var(--muted);margin:.15rem 0 0;"
    "white-space:normal}\n"
    ".review{max-width:70ch}.review pre{white-space:pre-wrap;overflow-wrap:anywhere;"
    "background:var(--soft);border:1px solid var(--line);border-radius:8px;padding:.6rem .8rem}"
    "\n.personas li{margin:.35rem 0}\n"
    ".bm-status{font-size:.9rem;color:var(--muted)}\n" S_CSS_INDEX;

static const char s_js[] =
    "/* Bookmarks live in this browser only (localStorage); nothing is sent. */\n"
    "(function(){\n"
    "var KEY='sos.bookmarks';\n"
    "var root=document.body.getAttribute('data-root')||'';\n"
    "function load(){try{var v=JSON.parse(localStorage.getItem(KEY)||'[]');"
    "return Array.isArray(v)?v:[]}catch(e){return []}}\n"
    "function save(v){try{localStorage.setItem(KEY,JSON.stringify(v))}catch(e){}}\n"
    "function has(v,id){for(var i=0;i<v.length;i++)if(v[i].id===id)return true;return false}\n"
    "function render(){var v=load();\n"
    " var box=document.querySelector('.bookmarks');if(!box)return;\n"
    " box.querySelector('.bm-nojs').hidden=true;\n"
    " var list=box.querySelector('.bm-list');list.textContent='';\n"
    " box.querySelector('.bm-empty').hidden=v.length>0;\n"
    " v.forEach(function(b){var li=document.createElement('li');var a=document.createElement('a');"
    "a.href=root+b.href;a.textContent=b.name;li.appendChild(a);list.appendChild(li)});\n"
    " document.querySelectorAll('button.bookmark').forEach(function(btn){btn.hidden=false;"
    "var on=has(v,btn.getAttribute('data-id'));btn.setAttribute('aria-pressed',on?'true':'false');"
    "btn.textContent=on?'Bookmarked':'Bookmark'})}\n"
    /* the live region says what a click changed (not what a page load found) */
    "function say(t){var s=document.querySelector('.bookmarks .bm-status');if(s)s.textContent=t}\n"
    "document.addEventListener('click',function(e){var btn=e.target.closest&&"
    "e.target.closest('button.bookmark');if(!btn)return;var id=btn.getAttribute('data-id');"
    "var name=btn.getAttribute('data-name');var v=load();if(has(v,id)){v=v.filter(function(b){"
    "return b.id!==id});say('Removed '+name+' from your bookmarks.')}else{v.push({id:id,"
    "name:name,href:btn.getAttribute('data-href')});say('Bookmarked '+name+'.')}save(v);render()});"
    "\n"
    "render();\n"
    "})();\n" S_JS_FINDER;

/* The favicon: a Ship badge's colours, a check mark; text, so no binary
 * file is made by hand. */
static const char s_favicon[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\">"
    "<rect width=\"32\" height=\"32\" rx=\"7\" fill=\"#16181d\"/>"
    "<path d=\"M8 16.5l5 5L24 10.5\" fill=\"none\" stroke=\"#e3f4ea\" stroke-width=\"4\" "
    "stroke-linecap=\"round\" stroke-linejoin=\"round\"/></svg>\n";

const char *site_asset(const char *name)
{
    if (strcmp(name, "site.css") == 0)
        return s_css;
    if (strcmp(name, "site.js") == 0)
        return s_js;
    if (strcmp(name, "favicon.svg") == 0)
        return s_favicon;
    return NULL;
}
