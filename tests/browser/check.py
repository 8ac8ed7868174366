#!/usr/bin/env python3
"""check.py - the HTML report in a real browser (Debian's chromium, headless, --dump-dom).

For examples/posts and the hostile corpus (tests/data/hostile): writes the JSON and the HTML
report with the same settings; checks that the static markup (the file as written, before any
script runs) and the DOM after the scripts ran both hold exactly the JSON's passages as
(data-doc, data-start, data-end, data-cluster); that the page asks for nothing outside itself;
that no script error was written into #rp-errors; that the cluster and document views render;
and that nothing from the hostile corpus ran (its payloads would set document.title or a
data-pwned attribute). Saves a screenshot of the examples report as OUT/report.png.

usage: check.py REPRINT SOURCE_DIR OUT_DIR      exit 0 pass, 1 fail, 77 skipped (no chromium)
"""
import html.parser
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
TITLE = "reprint scan report"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--mute-audio", "--hide-scrollbars"]
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "div", "script", "header",
                "h1", "h2", "h3", "span", "nav", "a", "main", "section", "p", "ul", "ol", "li",
                "i", "b", "label", "input", "article", "em", "table", "tr", "td", "th", "mark",
                "button"}
FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL: " + msg)


class Page(html.parser.HTMLParser):
    """Elements of one HTML text: passages, scripts, links, errors, title."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.passages, self.partial, self.tags, self.hrefs, self.srcs = set(), 0, set(), [], []
        self.scripts, self.errors, self.title, self.marks, self.panes = 0, [], "", 0, 0
        self.attrs_html, self._in = {}, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        self._in.append(tag)
        keys = ("data-doc", "data-start", "data-end", "data-cluster")
        have = [k in a for k in keys]
        if all(have):
            self.passages.add(tuple(int(a[k]) for k in keys))
        elif any(have):
            self.partial += 1
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

    def handle_data(self, data):
        if self._in and self._in[-1] == "title":
            self.title += data
        if self._in and self._in[-1] == "div" and self.errors and self.errors[-1] == "":
            self.errors[-1] = data


def parse(text):
    p = Page()
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


def check_static(name, text, expected):
    page = parse(text)
    if page.passages != expected:
        fail("%s: static passages differ from the JSON: missing %s, extra %s" %
             (name, sorted(expected - page.passages)[:5], sorted(page.passages - expected)[:5]))
    if page.partial:
        fail("%s: %d elements carry only some of the data-* attributes" % (name, page.partial))
    if not page.tags <= ALLOWED_TAGS:
        fail("%s: unexpected elements in the static markup: %s" % (name, page.tags - ALLOWED_TAGS))
    if page.scripts != 3:
        fail("%s: %d script elements, expected 3 (error handler, data, app)" % (name, page.scripts))
    outside = [h for h in page.hrefs if not h.startswith("#")] + page.srcs
    if outside:
        fail("%s: the page refers outside itself: %s" % (name, outside[:5]))


def check_dom(name, dom, expected, view):
    page = parse(dom)
    if page.errors:
        fail("%s%s: script errors: %s" % (name, view, page.errors))
    if "data-rp-ready" not in page.attrs_html:
        fail("%s%s: the page's script did not finish (no data-rp-ready)" % (name, view))
    if page.title.strip() != TITLE or "data-pwned" in page.attrs_html:
        fail("%s%s: something from the corpus ran (title %r, html attributes %s)" %
             (name, view, page.title, page.attrs_html))
    if page.passages != expected:
        fail("%s%s: DOM passages differ from the JSON" % (name, view))
    return page


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
    for raw in ("<script>document.title", "<img src=x", "</textarea><script>", "<svg onload",
                "<iframe"):
        if raw in text:
            fail("hostile: %r appears unescaped in the report" % raw)
    print("%s: %d failure(s)" % ("FAIL" if FAILURES else "PASS", len(FAILURES)))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
