"""Visible text of a rendered page, one line per block, as a reader sees it:
no <head> (but the <title>, appended last, as the seed pages have it), no
script or style, nothing inside .sr-only (visually hidden)."""
from html.parser import HTMLParser

BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "li", "td", "th", "tr", "nav", "section",
         "article", "header", "footer", "aside", "ul", "ol", "table", "thead", "tbody",
         "button", "main", "body", "dl", "dt", "dd", "form", "caption"}
VOID = {"meta", "link", "br", "img", "input", "hr"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines, self.cur, self.stack, self.title = [], [], [], ""
        self.skip_depth = None
        self.in_title = False

    def _flush(self):
        line = " ".join("".join(self.cur).split())
        if line:
            self.lines.append(line)
        self.cur = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        a = dict(attrs)
        self.stack.append(tag)
        if self.skip_depth is None and (tag in ("script", "style", "head") or
                                        "sr-only" in (a.get("class") or "").split()):
            self.skip_depth = len(self.stack)
        if tag == "title":
            self.in_title = True
        if tag in BLOCK:
            self._flush()

    def handle_endtag(self, tag):
        if tag in VOID or tag not in self.stack:
            return
        while self.stack:
            t = self.stack.pop()
            if self.skip_depth is not None and len(self.stack) < self.skip_depth:
                self.skip_depth = None
            if t == "title":
                self.in_title = False
            if t == tag:
                break
        if tag in BLOCK:
            self._flush()

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        elif self.skip_depth is None:
            self.cur.append(data)


def visible_lines(html):
    p = _Text()
    p.feed(html)
    p._flush()
    return p.lines + [" ".join(p.title.split())]


def is_subsequence(needles, hay):
    """Index in hay of each needle, in order, or raises with the first missing."""
    i = 0
    for n in needles:
        while i < len(hay) and hay[i] != n:
            i += 1
        if i == len(hay):
            raise AssertionError("not found in order: %r" % n)
        i += 1
