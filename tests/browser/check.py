#!/usr/bin/env python3
"""check.py - the HTML reports in a real browser (Debian's chromium, headless, --dump-dom).

scan, for examples/posts and the hostile corpus (tests/data/hostile): writes the JSON and the
HTML report with the same settings; checks that the static markup (the file as written, before
any script runs) and the DOM after the scripts ran both hold exactly the JSON's passages as
(data-doc, data-start, data-end, data-cluster); that the page asks for nothing outside itself;
that no script error was written into #rp-errors; that the cluster and document views render;
and that nothing from the hostile corpus ran (its payloads would set document.title or a
data-pwned attribute). Saves a screenshot of the examples report as OUT/report.png.

quotes, for examples/posts and tests/data/hostile-quotes: the same for `reprint quotes`, with
quotations as (data-quote, data-doc, data-start, data-end) and their sources as (data-quote,
data-source-doc, data-source-start, data-source-end), both equal to the JSON's; besides, every
shown quotation with a source was compared by the script, and the text of each pane, read back
from the DOM, is exactly the quotation's JSON text or the source's bytes in its file (so markup
in them stayed text). Saves OUT/quotes.png.

For real corpora (a feed of 25 posts under a long path, split into parts, written by the test):
every document row names its part (the file name with its "#N", the path shortened in the
middle) and its title; a search (#q=WORD) leaves exactly the clusters whose text holds the word;
no list of passages shows more than 20 rows unfolded, on the overview and in a cluster's view;
a document's view names the cluster of each highlight and lists its sources; the "who copies
whom" view draws one link for each pair of documents sharing text outside boilerplate.

CSP, for both pages: the Content-Security-Policy lists exactly the sha256 of each inline script
the page holds (no 'unsafe-inline'), nothing was refused while the page ran, and a copy of the
page with an inline script injected into its markup runs its own scripts but not the injected
one (which the page reports as refused by its policy).

usage: check.py REPRINT SOURCE_DIR OUT_DIR      exit 0 pass, 1 fail, 77 skipped (no chromium)
"""
import base64
import hashlib
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
TITLES = {"scan": "reprint scan report", "quotes": "reprint quotes report"}
SCRIPTS = {"scan": 3, "quotes": 2}  # error handler, (scan: data,) app
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--mute-audio", "--hide-scrollbars"]
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "div", "script", "header",
                "h1", "h2", "h3", "span", "nav", "a", "main", "section", "p", "ul", "ol", "li",
                "i", "b", "label", "input", "article", "em", "table", "tr", "td", "th", "mark",
                "button", "q"}
HOSTILE = ("<script>document.title", "<img src=x", "</textarea><script>", "</textarea><img",
           "<svg onload", "<iframe", "\"></svg>")
FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL: " + msg)


class Page(html.parser.HTMLParser):
    """Elements of one HTML text: passages (scan) or quotations, sources and the texts of
    their panes (quotes); scripts, links, errors, title."""

    QUOTE = ("data-quote", "data-doc", "data-start", "data-end")
    SOURCE = ("data-quote", "data-source-doc", "data-source-start", "data-source-end")

    def __init__(self, command="scan"):
        super().__init__(convert_charrefs=True)
        self.passages, self.partial, self.tags, self.hrefs, self.srcs = set(), 0, set(), [], []
        self.scripts, self.errors, self.title, self.marks, self.panes = 0, [], "", 0, 0
        self.attrs_html, self._in = {}, []
        self.command, self.quotes, self.sources, self.compared = command, set(), set(), 0
        self.texts, self._last, self._text = [], None, None  # pane texts: (place, text)
        self.word_marks = 0  # words marked by the diff inside pane texts

    def _collect(self, a):
        """Records the element's place when it carries one whole set of data-* attributes;
        counts it as partial when it carries some of a set only."""
        groups = [("data-doc", "data-start", "data-end", "data-cluster")]
        if self.command == "quotes":
            groups = [self.QUOTE, self.SOURCE]
        whole = 0
        for keys in groups:
            if all(k in a for k in keys):
                place = tuple(int(a[k]) for k in keys)
                if self.command == "scan":
                    self.passages.add(place)
                else:
                    (self.quotes if keys == self.QUOTE else self.sources).add(place)
                self._last, whole = (keys, place), whole + 1
            elif any(k in a for k in keys if k != "data-quote"):
                self.partial += 1
        if "data-quote" in a and not whole:
            self.partial += 1

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        self._in.append(tag)
        self._collect(a)
        classes = (a.get("class") or "").split()
        if tag == "div" and "txt" in classes and self._last and self._text is None:
            self._text = [len(self._in), self._last, ""]
            self._last = None
        if tag == "article" and "data-compared" in a:
            self.compared += 1
        if tag == "span" and self._text is not None and classes and classes[0].startswith("w-"):
            self.word_marks += 1
        if "href" in a:
            self.hrefs.append(a["href"])
        if "src" in a:
            self.srcs.append(a["src"])
        if tag == "script":
            self.scripts += 1
        if tag == "html":
            self.attrs_html = a
        if tag == "mark":
            self.marks += 1
        if tag == "div" and "pane" in (a.get("class") or "").split():
            self.panes += 1
        if tag == "div" and a.get("class") == "rp-error":
            self.errors.append("")

    def handle_endtag(self, tag):
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass
        if self._text is not None and len(self._in) < self._text[0]:
            self.texts.append((self._text[1], self._text[2]))
            self._text = None

    def handle_data(self, data):
        if self._text is not None:
            self._text[2] += data
        if self._in and self._in[-1] == "title" and "svg" not in self._in:  # the page's
            self.title += data
        if self._in and self._in[-1] == "div" and self.errors and self.errors[-1] == "":
            self.errors[-1] = data


def parse(text, command="scan"):
    p = Page(command)
    p.feed(text)
    p.close()
    return p


def json_passages(report):
    return {(p["doc"], p["start"], p["end"], c["id"])
            for c in report["clusters"] for p in c["passages"]}


def chromium(browser, profile, url, extra):
    cmd = [browser] + FLAGS + ["--user-data-dir=" + profile] + extra + [url]
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    if r.returncode != 0:
        fail("chromium exited %d on %s: %s" % (r.returncode, url, r.stderr.decode()[-400:]))
    return r.stdout.decode("utf-8", "replace")


def found(page, command):
    """What the page holds of the JSON: passages, or (quotations, sources)."""
    return page.passages if command == "scan" else (page.quotes, page.sources)


def check_static(name, text, expected, command="scan"):
    page = parse(text, command)
    if found(page, command) != expected:
        want = expected if command == "scan" else expected[0] | expected[1]
        have = found(page, command)
        have = have if command == "scan" else have[0] | have[1]
        fail("%s: static %s differ from the JSON: missing %s, extra %s" %
             (name, "passages" if command == "scan" else "quotations or sources",
              sorted(want - have)[:5], sorted(have - want)[:5]))
    if page.partial:
        fail("%s: %d elements carry only some of the data-* attributes" % (name, page.partial))
    if not page.tags <= ALLOWED_TAGS:
        fail("%s: unexpected elements in the static markup: %s" % (name, page.tags - ALLOWED_TAGS))
    if page.scripts != SCRIPTS[command]:
        fail("%s: %d script elements, expected %d" % (name, page.scripts, SCRIPTS[command]))
    outside = [h for h in page.hrefs if not h.startswith("#")] + page.srcs
    if outside:
        fail("%s: the page refers outside itself: %s" % (name, outside[:5]))
    return page


def check_dom(name, dom, expected, view, command="scan"):
    page = parse(dom, command)
    if page.errors:
        fail("%s%s: script errors: %s" % (name, view, page.errors))
    if "data-rp-ready" not in page.attrs_html:
        fail("%s%s: the page's script did not finish (no data-rp-ready)" % (name, view))
    if page.title.strip() != TITLES[command] or "data-pwned" in page.attrs_html:
        fail("%s%s: something from the corpus ran (title %r, html attributes %s)" %
             (name, view, page.title, page.attrs_html))
    if found(page, command) != expected:
        fail("%s%s: DOM %s differ from the JSON" %
             (name, view, "passages" if command == "scan" else "quotations or sources"))
    return page


def csp_sources(text):
    """The script-src sources of the page's Content-Security-Policy meta tag."""
    m = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', text)
    if not m:
        return None
    for directive in m.group(1).split(";"):
        parts = directive.split()
        if parts and parts[0] == "script-src":
            return parts[1:]
    return []


def check_csp(name, text, browser, profile, out, command):
    """The policy allows exactly the page's own inline scripts, by hash; an injected one is
    refused while the page's own still run."""
    sources = csp_sources(text)
    own = re.findall(r"<script>(.*?)</script>", text, re.S)
    want = sorted("'sha256-%s'" % base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest())
                  .decode() for s in own)
    if sources is None or sorted(sources) != want:
        fail("%s: CSP script-src %s, expected the hashes of its %d inline scripts %s" %
             (name, sources, len(own), want))
    injected = text.replace("<main>", "<main>\n<script>document.documentElement.setAttribute("
                            "'data-injected', '1');</script>", 1)
    path = os.path.join(out, name + "-injected.html")
    with open(path, "w", encoding="utf-8") as f:
        f.write(injected)
    dom = chromium(browser, profile, "file://" + os.path.abspath(path), ["--dump-dom"])
    page = parse(dom, command)
    if "data-injected" in page.attrs_html:
        fail("%s: an inline script injected into the page ran" % name)
    if "data-rp-ready" not in page.attrs_html:
        fail("%s: with an injected script, the page's own script did not run" % name)
    if not any("security policy" in e for e in page.errors):
        fail("%s: the refused script was not reported in the page (errors: %s)" %
             (name, page.errors))


def run_case(args, name, inputs, shot):
    reprint, src, out, browser = args
    paths = [os.path.join(src, p) for p in inputs]
    report = json.loads(subprocess.run([reprint, "scan", "--format", "json"] + paths,
                                       check=True, capture_output=True).stdout)
    html_path = os.path.join(out, name + ".html")
    subprocess.run([reprint, "scan", "--format", "html", "-o", html_path] + paths, check=True)
    with open(html_path, encoding="utf-8") as f:
        text = f.read()
    expected = json_passages(report)
    if not expected:
        fail("%s: the scan found no passage, so nothing is checked" % name)
    check_static(name, text, expected)
    url = "file://" + os.path.abspath(html_path)
    with tempfile.TemporaryDirectory() as profile:
        check_dom(name, chromium(browser, profile, url, ["--dump-dom"]), expected, "")
        check_csp(name, text, browser, profile, out, "scan")
        for c in range(len(report["clusters"])):
            page = check_dom(name, chromium(browser, profile, url + "#c/%d" % c, ["--dump-dom"]),
                             expected, "#c/%d" % c)
            if page.panes != 2:
                fail("%s#c/%d: %d side-by-side panes, expected 2" % (name, c, page.panes))
        for d, doc in enumerate(report["documents"]):
            page = check_dom(name, chromium(browser, profile, url + "#d/%d" % d, ["--dump-dom"]),
                             expected, "#d/%d" % d)
            if any(p[0] == d for p in expected) and page.marks == 0:
                fail("%s#d/%d: no passage is highlighted" % (name, d))
        if shot:
            chromium(browser, profile, url, ["--window-size=1280,1400",
                                              "--screenshot=" + os.path.join(out, "report.png")])
    return text


def json_quotes(report):
    quotes = {(q["id"], q["doc"], q["start"], q["end"]) for q in report["quotes"]}
    sources = {(q["id"], s["doc"], s["start"], s["end"])
               for q in report["quotes"] for s in q["sources"]}
    return quotes, sources


def as_html_text(text):
    """A text as the page shows it: CR LF and CR read as LF by the HTML parser, controls (but
    TAB and LF) written as U+FFFD."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join("\ufffd" if (ord(c) < 32 and c not in "\t\n") or c == "\x7f" else c
                   for c in text)


def expected_texts(report):
    """Every pane's text by its place: the quotation's JSON text, and the source's bytes in its
    file (its document's offset added)."""
    files, texts = {}, {}
    for q in report["quotes"]:
        texts[(Page.QUOTE, (q["id"], q["doc"], q["start"], q["end"]))] = q["text"]
        for s in q["sources"]:
            d = report["documents"][s["doc"]]
            if d["name"] not in files:
                with open(d["name"], "rb") as f:
                    files[d["name"]] = f.read()
            raw = files[d["name"]][d["offset"] + s["start"]:d["offset"] + s["end"]]
            texts[(Page.SOURCE, (q["id"], s["doc"], s["start"], s["end"]))] = raw.decode(
                "utf-8", "replace")
    return {k: as_html_text(v) for k, v in texts.items()}


def check_quote_texts(name, page, report):
    want = expected_texts(report)
    have = dict(page.texts)
    if set(have) != set(want):
        fail("%s: pane texts not at the JSON's places: missing %s, extra %s" %
             (name, sorted(p[1] for p in set(want) - set(have))[:5],
              sorted(p[1] for p in set(have) - set(want))[:5]))
    for place, text in want.items():
        if place in have and have[place] != text:
            fail("%s: the pane of %s shows %r, not %r" % (name, place[1], have[place][:80],
                                                          text[:80]))


def run_quotes_case(args, name, inputs, shot):
    reprint, src, out, browser = args
    paths = [os.path.join(src, p) for p in inputs]
    report = json.loads(subprocess.run([reprint, "quotes", "--format", "json"] + paths,
                                       check=True, capture_output=True).stdout)
    html_path = os.path.join(out, name + ".html")
    subprocess.run([reprint, "quotes", "--format", "html", "-o", html_path] + paths, check=True)
    with open(html_path, encoding="utf-8") as f:
        text = f.read()
    expected = json_quotes(report)
    sourced = [q for q in report["quotes"] if q["sources"]]
    if not sourced or not expected[1]:
        fail("%s: no quotation has a source, so nothing is compared" % name)
    check_quote_texts(name, check_static(name, text, expected, "quotes"), report)
    url = "file://" + os.path.abspath(html_path)
    with tempfile.TemporaryDirectory() as profile:
        page = check_dom(name, chromium(browser, profile, url, ["--dump-dom"]), expected, "",
                         "quotes")
        check_quote_texts(name + " (DOM)", page, report)
        check_csp(name, text, browser, profile, out, "quotes")
        if page.compared != min(len(sourced), 200):
            fail("%s: %d quotations compared by the script, expected %d" %
                 (name, page.compared, min(len(sourced), 200)))
        if any(q["sources"][0]["differences"] for q in sourced) and page.word_marks == 0:
            fail("%s: a best source differs from its quotation, yet no word is marked" % name)
        last = "#q%d" % report["quotes"][-1]["id"]
        check_dom(name, chromium(browser, profile, url + last, ["--dump-dom"]), expected, last,
                  "quotes")
        if shot:
            chromium(browser, profile, url, ["--window-size=1280,1400",
                                              "--screenshot=" + os.path.join(out, "quotes.png")])
    return text


SHARED = ("The regional council confirmed on Tuesday that the new railway bridge across the "
          "river will open to passengers next spring, after three years of delays, two changes "
          "of contractor and a budget that rose from forty to sixty-two million, while the "
          "harbour ferry keeps running every half hour until the last inspection of the deck "
          "and the signals has been signed off by the national safety board.")
PAIRED = ("Volunteers repainted the old lighthouse on the northern pier over the weekend, "
          "using donated paint and scaffolding lent by the shipyard, and the keepers' museum "
          "will open its doors for free on the first Sunday of every month this summer.")
POSTS = 25


def write_feed(out):
    """A feed of POSTS posts under a long path: each has a title, its own words, the SHARED
    paragraph; posts 7 and 8 also share PAIRED (the only text with 'lighthouse')."""
    folder = os.path.join(out, "a-rather-long-folder-name-for-the-reprint-report",
                          "and-another-long-folder-inside-it")
    os.makedirs(folder, exist_ok=True)
    words = ("orchard quarry tannery mill granary forge wharf abbey kiln brewery chapel "
             "foundry").split()
    parts = []
    for i in range(1, POSTS + 1):
        own = " ".join("%s%d" % (words[(i * 7 + k) % len(words)], (i * 31 + k * 17) % 97)
                       for k in range(45))
        extra = PAIRED + "\n" if i in (7, 8) else ""
        parts.append("Story number %d of the week\n%s\n%s\n%sContinue reading Story number %d\n"
                     % (i, own, SHARED, extra, i))
    path = os.path.join(folder, "feed-of-posts.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(parts))
    return path


class Features(html.parser.HTMLParser):
    """What the features check reads: document rows' texts, clusters (id, hidden by search),
    passage list rows (per list: shown, all), cluster-view table rows, highlight tags, source
    rows, network links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows, self.clusters, self.lists, self.table = {}, {}, [], [0, 0]
        self.tags, self.sources, self.links, self._row, self._stack = 0, 0, 0, None, []
        self._in_sources = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag not in ("input", "meta", "br", "img", "hr", "link", "wbr", "col", "source"):
            self._stack.append(tag)
        if "cov" in cls and "data-row" in a:
            self._row = int(a["data-row"])
            self.rows[self._row] = ""
        if tag == "article" and "cl" in cls:
            self.clusters[a["id"]] = "nomatch" not in cls
        if tag == "ol" and "occ" in cls:
            self.lists.append([0, 0])
        if tag == "li" and self.lists and "ol" in self._stack:
            self.lists[-1][1] += 1
            self.lists[-1][0] += "hidden" not in a
        if tag == "tr" and self._stack.count("table") == 1 and not self._in_sources:
            self.table[1] += 1
            self.table[0] += "hidden" not in a
        if tag == "tr" and self._in_sources:
            self.sources += 1
        if tag == "a" and "ctag" in cls:
            self.tags += 1
        if tag == "path" and "link" in cls:
            self.links += 1

    def handle_endtag(self, tag):
        while self._stack and self._stack.pop() != tag:
            pass
        if tag == "a":
            self._row = None
        if tag == "section":
            self._in_sources = False

    def handle_data(self, data):
        if self._row is not None:
            self.rows[self._row] += data
        if data == "Sources of this document":
            self._in_sources = True


def features(text):
    p = Features()
    p.feed(text)
    p.close()
    return p


def run_features_case(args):
    reprint, src, out, browser = args
    name = "features"
    path = write_feed(out)
    argv = ["--split-after", "^Continue reading ", path]
    report = json.loads(subprocess.run([reprint, "scan", "--format", "json"] + argv, check=True,
                                       capture_output=True).stdout)
    html_path = os.path.join(out, name + ".html")
    subprocess.run([reprint, "scan", "--format", "html", "-o", html_path] + argv, check=True)
    with open(html_path, encoding="utf-8") as f:
        text = f.read()
    expected = json_passages(report)
    check_static(name, text, expected)
    static = features(text)
    for i, doc in enumerate(report["documents"]):
        row = static.rows.get(i, "")
        if "feed-of-posts.txt#%d" % (i + 1) not in row or "\u2026" not in row:
            fail("%s: document row %d reads %r: not the part's name shortened in the middle" %
                 (name, i, row))
        if "Story number %d of the week" % (i + 1) not in row:
            fail("%s: document row %d reads %r: no title" % (name, i, row))
    big = [c for c in report["clusters"] if len(c["passages"]) > 20]
    if not big:
        fail("%s: no cluster lists more than 20 passages, so folding is not checked" % name)
    want = {"c%d" % c["id"] for c in report["clusters"]
            if any("lighthouse" in p["text"].lower() for p in c["passages"])}
    pairs = set()
    for c in report["clusters"]:
        if c["kind"] != "boilerplate":
            docs = sorted({p["doc"] for p in c["passages"]})
            pairs |= {(a, b) for a in docs for b in docs if a < b}
    url = "file://" + os.path.abspath(html_path)
    with tempfile.TemporaryDirectory() as profile:
        dom = chromium(browser, profile, url + "#q=lighthouse", ["--dump-dom"])
        check_dom(name, dom, expected, "#q=lighthouse")
        page = features(dom)
        shown = {k for k, v in page.clusters.items() if v}
        if not want or shown != want or len(page.clusters) <= len(want):
            fail("%s: the search for 'lighthouse' shows clusters %s, expected %s of %d" %
                 (name, sorted(shown), sorted(want), len(page.clusters)))
        if any(n > 20 for n, _ in page.lists) or not any(t > 20 for _, t in page.lists):
            fail("%s: passage lists show %s rows (shown, all): more than 20 unfolded" %
                 (name, page.lists))
        for c in big:
            view = "#c/%d" % c["id"]
            dom = chromium(browser, profile, url + view, ["--dump-dom"])
            check_dom(name, dom, expected, view)
            page = features(dom)
            if page.table[0] > 21 or page.table[1] <= 21:
                fail("%s%s: the passage table shows %d of %d rows" % (name, view, page.table[0],
                                                                      page.table[1]))
        doc0 = {p[2] for p in expected if p[0] == 0}
        view = "#d/0"
        dom = chromium(browser, profile, url + view, ["--dump-dom"])
        check_dom(name, dom, expected, view)
        page = features(dom)
        partners = {b if a == 0 else a for a, b in pairs if 0 in (a, b)}
        if page.tags != sum(1 for p in expected if p[0] == 0) or not doc0:
            fail("%s%s: %d highlights name their cluster, expected %d" %
                 (name, view, page.tags, sum(1 for p in expected if p[0] == 0)))
        if page.sources != len(partners) + 1:
            fail("%s%s: %d source rows, expected %d and a header" % (name, view, page.sources,
                                                                   len(partners)))
        view = "#n/200"
        dom = chromium(browser, profile, url + view, ["--dump-dom"])
        check_dom(name, dom, expected, view)
        page = features(dom)
        if page.links != min(200, len(pairs)) or not pairs:
            fail("%s%s: %d links drawn, expected %d" % (name, view, page.links,
                                                        min(200, len(pairs))))
        chromium(browser, profile, url + view, ["--window-size=1280,900",
                                                 "--screenshot=" + os.path.join(out, "network.png")])


def main(argv):
    if len(argv) != 4:
        print(__doc__)
        return 2
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        print("SKIP: chromium is not installed (make test installs it)")
        return SKIP
    reprint, src, out = argv[1], argv[2], argv[3]
    os.makedirs(out, exist_ok=True)
    args = (reprint, src, out, browser)
    run_case(args, "examples", ["examples/posts"], True)
    text = run_case(args, "hostile", ["tests/data/hostile"], False)
    for raw in HOSTILE:
        if raw in text:
            fail("hostile: %r appears unescaped in the report" % raw)
    run_features_case(args)
    run_quotes_case(args, "quotes-examples", ["examples/posts"], True)
    text = run_quotes_case(args, "quotes-hostile", ["tests/data/hostile-quotes"], False)
    for raw in HOSTILE:
        if raw in text:
            fail("quotes-hostile: %r appears unescaped in the report" % raw)
    print("%s: %d failure(s)" % ("FAIL" if FAILURES else "PASS", len(FAILURES)))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
