/* scan.js - the scan page's own script: the cluster view (occurrences side by side, word
 * diff) and the document view (the text with every repeated passage marked), drawn from the
 * embedded JSON data; defines VIEWS, setupPage and revealed for page.js.
 * (Opening comment not embedded.) */
var KINDS = ['reprint', 'internal', 'boilerplate'];
var D = null;
function data() {
  if (D) return D;
  D = JSON.parse(document.getElementById('rp-data').textContent);
  D.byDoc = D.docs.map(function () { return []; });
  D.clusters.forEach(function (c, ci) {
    c.p.forEach(function (p, pi) { D.byDoc[p[0]].push({c: ci, i: pi, p: p}); });
  });
  D.byDoc.forEach(function (l) {
    l.sort(function (a, b) { return a.p[7] - b.p[7] || b.p[8] - a.p[8]; });
  });
  return D;
}
function badge(kind) { return el('span', 'badge k-' + KINDS[kind], KINDS[kind]); }
function passText(p) { var t = D.docs[p[0]].text; return t == null ? '' : t.slice(p[7], p[8]); }
function locText(p) { return D.docs[p[0]].name + ':' + p[3] + ':' + p[4]; }
function placeHref(p, ci, pi) { return '#d/' + p[0] + '/' + ci + '.' + pi; }

function diffPane(p, toks, cls, title) {
  var pane = el('div', 'pane'), txt = el('div', 'txt');
  add(pane, add(el('div', 'mute'), title, ' ', link(placeHref(p.p, p.c, p.i), locText(p.p), 'loc')), txt);
  paintWords(txt, toks, cls);
  return pane;
}
function renderCompare(box, c, ci, ia, ib) {
  box.textContent = '';
  var pa = {p: c.p[ia], c: ci, i: ia}, pb = {p: c.p[ib], c: ci, i: ib};
  var ta = words(passText(pa.p)), tb = words(passText(pb.p));
  var wa = ta.filter(isWord), wb = tb.filter(isWord);
  var d = wordDiff(wa, wb), s = d.stats, pair = null;
  c.pairs.forEach(function (q) { if ((q[0] === ia && q[1] === ib) || (q[0] === ib && q[1] === ia)) pair = q; });
  var sum = el('div', 'diffsum');
  add(sum, el('b', null, 'word identity ' + pct(s.same / Math.max(wa.length, wb.length, 1))),
    el('span', 'w-sub', s.sub + ' substituted'), el('span', 'w-del', s.del + ' deleted'),
    el('span', 'w-ins', s.ins + ' inserted'));
  if (pair) add(sum, el('span', 'mute', 'aligned identity ' + pct(pair[2]) + ' over ' + pair[3] + ' tokens'));
  if (ia === ib) add(sum, el('span', 'mute', '(the same occurrence)'));
  add(box, sum, add(el('div', 'cmp'), diffPane(pa, ta, d.a, 'A'), diffPane(pb, tb, d.b, 'B')));
}

/* ---- cluster view ---- */
function showCluster(ci) {
  var v = document.getElementById('view-cluster'), c = data().clusters[ci];
  v.textContent = '';
  if (!c) { add(v, el('p', null, 'No cluster ' + ci + '.')); return; }
  add(v, link('#clusters', '\u2190 all clusters', 'back'));
  var head = el('section', 'card');
  add(head, add(el('h2'), 'Cluster ' + ci + ' ', badge(c.kind)),
    el('p', 'mute', c.n + ' occurrences in ' + c.documents + ' document' + (c.documents === 1 ? '' : 's') +
      ', longest ' + c.tokens + ' tokens' + (c.p.length < c.n ? ', the first ' + c.p.length + ' listed (--max-passages)' : '') +
      '. Pick any two occurrences (A, B) to compare them word by word.'));
  var tab = el('table', 'occt'), tr = add(el('tr'));
  ['A', 'B', 'location', 'tokens', 'identity', 'begins'].forEach(function (h) { tr.appendChild(el('th', null, h)); });
  tab.appendChild(tr);
  var pick = [0, c.p.length > 1 ? 1 : 0];
  if (c.pairs.length) pick = [c.pairs[0][0], c.pairs[0][1]];
  var box = el('div');
  c.p.forEach(function (p, pi) {
    var row = el('tr');
    [0, 1].forEach(function (side) {
      var r = el('input'); r.type = 'radio'; r.name = 'side' + side; r.checked = pick[side] === pi;
      r.addEventListener('change', function () { pick[side] = pi; renderCompare(box, c, ci, pick[0], pick[1]); });
      add(row, add(el('td'), r));
    });
    var ex = passText(p).replace(/\s+/g, ' ').trim();
    add(row, add(el('td'), link(placeHref(p, ci, pi), locText(p), 'loc')), el('td', null, p[5]),
      el('td', null, pct(p[6])), el('td', 'mute', ex.length > 90 ? ex.slice(0, 90) + '\u2026' : ex));
    tab.appendChild(row);
  });
  add(head, tab);
  var cmp = el('section', 'card');
  add(cmp, el('h2', null, 'Side by side'), box);
  add(v, head, cmp);
  renderCompare(box, c, ci, pick[0], pick[1]);
}

/* ---- document view: the text cut at every passage boundary, each piece marked with the
   passages covering it ---- */
function showDoc(di, target) {
  var v = document.getElementById('view-doc'), d = data().docs[di];
  v.textContent = '';
  if (!d) { add(v, el('p', null, 'No document ' + di + '.')); return; }
  var refs = D.byDoc[di], card = el('section', 'card'), seen = {}, list = el('p', 'mute');
  add(v, link('#documents', '\u2190 all documents', 'back'), card);
  add(card, el('h2', null, d.name), el('p', 'mute', d.bytes + ' bytes, ' + d.tokens + ' tokens, ' +
    pct(d.covered) + ' covered by repeated text (boilerplate aside), ' + refs.length + ' repeated passages.'));
  add(list, 'Clusters here: ');
  refs.forEach(function (r) {
    if (seen[r.c]) return;
    seen[r.c] = 1;
    add(list, link('#c/' + r.c, '#' + r.c + ' ' + KINDS[D.clusters[r.c].kind]), ' ');
  });
  if (refs.length) add(card, list);
  var body = el('div', 'doctext');
  add(v, add(el('section', 'card'), body));
  if (d.text == null) { add(body, el('em', 'mute', '(no repeated passage: the text is not embedded)')); return; }
  var marks = renderText(body, d.text, refs);
  if (target && marks[target]) {
    var m = marks[target];
    m[0].scrollIntoView({block: 'center'});
    m.forEach(function (e) { e.classList.add('flash'); });
  }
}
function renderText(body, text, refs) {
  var ev = [], active = [], pos = 0, marks = {}, frag = document.createDocumentFragment();
  refs.forEach(function (r) { ev.push([r.p[7], 1, r], [r.p[8], -1, r]); });
  ev.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
  function flush(to) {
    if (to <= pos) return;
    var s = text.slice(pos, to);
    if (!active.length) { frag.appendChild(document.createTextNode(s)); pos = to; return; }
    var top = active[0], cs = [];
    active.forEach(function (r) {
      if (D.clusters[r.c].kind < D.clusters[top.c].kind) top = r;
      if (cs.indexOf(r.c) < 0) cs.push(r.c);
    });
    var m = el('mark', 'k-' + KINDS[D.clusters[top.c].kind] + (cs.length > 1 ? ' multi' : ''), s);
    m.title = cs.map(function (c) { return 'cluster ' + c + ' (' + KINDS[D.clusters[c].kind] + ')'; }).join(', ');
    m.addEventListener('click', function () { location.hash = '#c/' + top.c; });
    active.forEach(function (r) { var k = r.c + '.' + r.i; (marks[k] = marks[k] || []).push(m); });
    frag.appendChild(m);
    pos = to;
  }
  ev.forEach(function (e) {
    flush(e[0]);
    if (e[1] > 0) active.push(e[2]); else active.splice(active.indexOf(e[2]), 1);
  });
  flush(text.length);
  body.appendChild(frag);
  return marks;
}

var VIEWS = {c: showCluster, d: showDoc};
function setupPage() {}
function revealed() {}
