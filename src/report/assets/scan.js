/* scan.js - the scan page's own script: the cluster view (occurrences side by side, word
 * diff) and the document view (the text with every repeated passage marked), drawn from the
 * embedded JSON data; defines VIEWS, setupPage and revealed for page.js.
 * (Opening comment not embedded.) */
var KINDS = ['reprint', 'internal', 'boilerplate', 'series'];
var FOLD = 20; /* rows a list of passages shows before 'show N more' */
var DIRS = ['', 'copied from it', 'copied by it', 'same time'];
var D = null;
function data() {
  if (D) return D;
  D = JSON.parse(document.getElementById('rp-data').textContent);
  D.byDoc = D.docs.map(function () { return []; });
  D.clusters.forEach(function (c, ci) { /* null: left out by --kinds (ids stay stable) */
    if (c) c.p.forEach(function (p, pi) { D.byDoc[p[0]].push({c: ci, i: pi, p: p}); });
  });
  D.byDoc.forEach(function (l) {
    l.sort(function (a, b) { return a.p[7] - b.p[7] || b.p[8] - a.p[8]; });
  });
  return D;
}
function badge(kind) { return el('span', 'badge k-' + KINDS[kind], KINDS[kind]); }
function passText(p) { var t = D.docs[p[0]].text; return t == null ? '' : t.slice(p[7], p[8]); }
/* A document's name as shown: shortened in the middle (s) when long, the #N and file name kept. */
function shortName(d) { return d.s || d.name; }
function locText(p) { return shortName(D.docs[p[0]]) + ':' + p[3] + ':' + p[4]; }
function dateText(d) { return d.date == null ? '' : new Date(d.date * 1000).toISOString().slice(0, 10); }
/* Rows past FOLD hidden behind a button that says how many. */
function foldRows(rows, after) {
  if (rows.length <= FOLD) return;
  rows.slice(FOLD).forEach(function (r) { r.hidden = true; });
  var b = el('button', 'unfold', 'show ' + (rows.length - FOLD) + ' more passages');
  b.type = 'button';
  b.addEventListener('click', function () { rows.forEach(function (r) { r.hidden = false; }); b.remove(); });
  after.parentNode.insertBefore(b, after.nextSibling);
}
/* Passages earliest first: by their document's date (undated after dated), then as listed. */
function byDate(c) {
  var idx = c.p.map(function (p, i) { return i; });
  return idx.sort(function (a, b) {
    var da = D.docs[c.p[a][0]].date, db = D.docs[c.p[b][0]].date;
    if (da == null || db == null) return (da == null) - (db == null) || a - b;
    return da - db || a - b;
  });
}
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
function showCluster(ci, target) {
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
  ['A', 'B', 'location', 'date', 'tokens', 'identity', 'begins'].forEach(function (h) { tr.appendChild(el('th', null, h)); });
  tab.appendChild(tr);
  var pick = [0, c.p.length > 1 ? 1 : 0];
  if (c.pairs.length) pick = [c.pairs[0][0], c.pairs[0][1]];
  var want = /^(\d+)\.(\d+)$/.exec(target || '');
  if (want && +want[1] < c.p.length && +want[2] < c.p.length) pick = [+want[1], +want[2]];
  var box = el('div'), rows = [];
  byDate(c).forEach(function (pi) {
    var p = c.p[pi], row = el('tr'), d = D.docs[p[0]];
    rows.push(row);
    [0, 1].forEach(function (side) {
      var r = el('input'); r.type = 'radio'; r.name = 'side' + side; r.checked = pick[side] === pi;
      r.addEventListener('change', function () { pick[side] = pi; renderCompare(box, c, ci, pick[0], pick[1]); });
      add(row, add(el('td'), r));
    });
    var ex = passText(p).replace(/\s+/g, ' ').trim();
    var where = add(el('td'), link(placeHref(p, ci, pi), locText(p), 'loc'));
    if (pi === c.first && d.date != null) add(where, ' ', el('span', 'badge first', 'first'));
    if (d.title) add(where, el('div', 'ttl', d.title));
    add(row, where, el('td', null, dateText(d)), el('td', null, p[5]),
      el('td', null, pct(p[6])), el('td', 'mute', ex.length > 90 ? ex.slice(0, 90) + '\u2026' : ex));
    tab.appendChild(row);
  });
  add(head, tab);
  foldRows(rows, tab);
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
  add(card, el('h2', null, d.name));
  if (d.title) add(card, el('p', 'ttl', d.title));
  if (d.date != null || d.series) add(card, el('p', 'mute', [dateText(d), d.series ? 'series ' + d.series : ''].filter(Boolean).join(', ')));
  add(card, el('p', 'mute', d.bytes + ' bytes, ' + d.tokens + ' tokens, ' +
    pct(d.covered) + ' covered by repeated text (boilerplate aside), ' + refs.length + ' repeated passages.'));
  add(list, 'Clusters here: ');
  refs.forEach(function (r) {
    if (seen[r.c]) return;
    seen[r.c] = 1;
    add(list, link('#c/' + r.c, '#' + r.c + ' ' + KINDS[D.clusters[r.c].kind]), ' ');
  });
  if (refs.length) add(card, list);
  if (d.src) add(v, sourcesCard(di, d));
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
/* The documents this one shares text with, most tokens first (the library's sources). */
function sourcesCard(di, d) {
  var card = el('section', 'card'), tab = el('table', 'occt'), tr = el('tr'), rows = [];
  add(card, el('h2', null, 'Sources of this document'), el('p', 'mute', 'Documents sharing text with it, most shared tokens first' +
    (d.nsrc > d.src.length ? ' (the first ' + d.src.length + ' of ' + d.nsrc + ')' : '') + '.'));
  ['document', 'date', 'tokens shared', 'share of this document', 'best identity', 'direction'].forEach(function (h) { tr.appendChild(el('th', null, h)); });
  tab.appendChild(tr);
  d.src.forEach(function (s) {
    var o = D.docs[s[0]], row = el('tr'), where = add(el('td'), link('#d/' + s[0], shortName(o), 'loc'));
    if (o.title) add(where, el('div', 'ttl', o.title));
    add(row, where, el('td', null, dateText(o)), el('td', null, s[1]), el('td', null, pct(s[2])),
      el('td', null, pct(s[3])), el('td', 'mute', DIRS[s[4]] || 'unknown (undated)'));
    tab.appendChild(row);
    rows.push(row);
  });
  add(card, tab);
  foldRows(rows, tab);
  return card;
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
    if (e[1] > 0) {
      active.push(e[2]);
      /* each highlight names its cluster where it begins */
      var tag = el('a', 'ctag k-' + KINDS[D.clusters[e[2].c].kind], '#' + e[2].c);
      tag.href = '#c/' + e[2].c;
      frag.appendChild(tag);
    } else active.splice(active.indexOf(e[2]), 1);
  });
  flush(text.length);
  body.appendChild(frag);
  return marks;
}

/* ---- overview: search over cluster text and document names and titles; the document list
   sorted by coverage, name or date; passage lists unfolded on demand ---- */
function each(sel, fn) { Array.prototype.forEach.call(document.querySelectorAll(sel), fn); }
var HAY = null;
function haystacks() {
  if (HAY) return HAY;
  var docs = data().docs.map(function (d) { return (d.name + '\n' + (d.title || '')).toLowerCase(); });
  HAY = {docs: docs, clusters: D.clusters.map(function (c) {
    return c ? c.p.map(function (p) { return passText(p) + '\n' + docs[p[0]]; }).join('\n').toLowerCase() : '';
  })};
  return HAY;
}
function search(q) {
  var h = haystacks(), query = q.trim().toLowerCase(), nc = 0, nd = 0;
  document.body.classList.toggle('searching', query !== '');
  each('article.cl', function (a) {
    var hit = !query || h.clusters[+a.id.slice(1)].indexOf(query) >= 0;
    a.classList.toggle('nomatch', !hit);
    nc += hit;
  });
  each('.cov[data-row]', function (r) {
    var hit = !query || h.docs[+r.getAttribute('data-row')].indexOf(query) >= 0;
    r.classList.toggle('nomatch', !hit);
    nd += hit;
  });
  var say = document.getElementById('rp-found');
  say.textContent = query ? nc + ' cluster' + (nc === 1 ? '' : 's') + ' and ' + nd + ' document' + (nd === 1 ? '' : 's') + ' match' : '';
}
function sortDocs(how) {
  var list = document.querySelector('.covlist'), rows = [];
  each('.covlist .cov[data-row]', function (r) { rows.push(r); });
  var docs = data().docs;
  rows.sort(function (a, b) {
    var x = docs[+a.getAttribute('data-row')], y = docs[+b.getAttribute('data-row')];
    if (how === 'name') return x.name < y.name ? -1 : x.name > y.name ? 1 : 0;
    if (how === 'date') return (x.date == null) - (y.date == null) || (x.date || 0) - (y.date || 0);
    return y.covered - x.covered;
  });
  rows.forEach(function (r) { list.appendChild(r); });
  each('.covlist .more, .covlist .showmore', function (m) { m.remove(); });
}
function setupPage() {
  var box = el('div', 'search'), q = el('input'), sort = el('select');
  q.type = 'search';
  q.id = 'rp-search';
  q.placeholder = 'search cluster text, document names and titles';
  q.addEventListener('input', function () { search(q.value); });
  add(box, q, el('span', 'mute', ''));
  box.lastChild.id = 'rp-found';
  var main = document.querySelector('#overview');
  main.parentNode.insertBefore(box, main.nextSibling);
  [['', 'input order'], ['coverage', 'coverage'], ['name', 'name'], ['date', 'date']].forEach(function (o) {
    var opt = el('option', null, 'sort: ' + o[1]);
    opt.value = o[0];
    sort.appendChild(opt);
  });
  sort.addEventListener('change', function () { if (sort.value) sortDocs(sort.value); });
  var h = document.querySelector('#documents h2');
  h.parentNode.insertBefore(sort, h.nextSibling);
  each('button.unfold', function (b) {
    b.addEventListener('click', function () {
      each('#' + b.parentNode.id + ' ol.occ li[hidden]', function (li) { li.hidden = false; });
      b.remove();
    });
  });
  var m = /^#q=(.*)$/.exec(location.hash);
  if (m) { q.value = decodeURIComponent(m[1]); search(q.value); }
}
function revealed() {}
var VIEWS = {c: showCluster, d: showDoc, n: showNetwork};

/* ---- who copies whom: documents as nodes (left to right by date, undated last; one lane per
   series), links weighted by shared tokens, pointing from the earlier to the later document;
   boilerplate is left out (the sources leave it out). The strongest links first; a slider
   shows more. A click on a link opens the pair side by side. ---- */
var SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs) {
  var e = document.createElementNS(SVG, tag);
  Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
  return e;
}
function networkLinks() {
  if (data().links) return D.links;
  var seen = {}, links = [];
  D.docs.forEach(function (d, di) {
    (d.src || []).forEach(function (s) {
      var a = Math.min(di, s[0]), b = Math.max(di, s[0]), key = a + ' ' + b;
      var from = s[4] === 1 ? s[0] : s[4] === 2 ? di : -1;
      var l = seen[key];
      if (!l) { l = seen[key] = {a: a, b: b, w: 0, from: -1}; links.push(l); }
      l.w = Math.max(l.w, s[1]);
      if (l.from < 0) l.from = from;
    });
  });
  links.sort(function (x, y) { return y.w - x.w || x.a - y.a || x.b - y.b; });
  D.links = links;
  return links;
}
/* The cluster with the most tokens that holds both documents, and a passage of each. */
function openPair(a, b) {
  var best = null;
  D.byDoc[a].forEach(function (ra) {
    D.byDoc[b].forEach(function (rb) {
      if (ra.c === rb.c && (!best || D.clusters[ra.c].tokens > D.clusters[best[0]].tokens)) best = [ra.c, ra.i, rb.i];
    });
  });
  location.hash = best ? '#c/' + best[0] + '/' + best[1] + '.' + best[2] : '#d/' + a;
}
function nodePlaces(links, width) {
  var ids = {}, nodes = [], lanes = {}, names = [];
  links.forEach(function (l) { [l.a, l.b].forEach(function (d) { if (!ids[d]) { ids[d] = 1; nodes.push(d); } }); });
  nodes.sort(function (x, y) {
    var dx = D.docs[x].date, dy = D.docs[y].date;
    return (dx == null) - (dy == null) || (dx || 0) - (dy || 0) || x - y;
  });
  nodes.forEach(function (d) { var s = D.docs[d].series || ''; if (!(s in lanes)) { lanes[s] = 0; names.push(s); } });
  names.sort(function (x, y) { return (x === '') - (y === '') || (x < y ? -1 : x > y ? 1 : 0); });
  names.forEach(function (s, i) { lanes[s] = i; });
  var laneH = Math.max(24, Math.min(90, 480 / names.length)), place = {};
  nodes.forEach(function (d, i) {
    place[d] = {x: 30 + (nodes.length > 1 ? i * (width - 60) / (nodes.length - 1) : (width - 60) / 2),
      y: 100 + lanes[D.docs[d].series || ''] * laneH};
  });
  return {nodes: nodes, place: place, lanes: names, laneH: laneH};
}
function drawNetwork(box, links) {
  var width = 1100, lay = nodePlaces(links, width), height = 120 + lay.lanes.length * lay.laneH;
  var g = svg('svg', {viewBox: '0 0 ' + width + ' ' + height, width: '100%', class: 'net', role: 'img'});
  var defs = svg('defs'), arrow = svg('marker', {id: 'rp-arrow', viewBox: '0 0 10 10', refX: '9', refY: '5',
    markerWidth: '9', markerHeight: '9', markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse'});
  arrow.appendChild(svg('path', {d: 'M0,0L10,5L0,10z', class: 'arrowhead'}));
  defs.appendChild(arrow);
  g.appendChild(defs);
  lay.lanes.forEach(function (s, i) {
    var t = svg('text', {x: 4, y: 100 + i * lay.laneH - 8, class: 'lane'});
    t.textContent = s || (lay.lanes.length > 1 ? '(no series)' : '');
    g.appendChild(t);
  });
  var maxw = links.length ? links[0].w : 1;
  links.forEach(function (l) {
    var from = l.from >= 0 ? l.from : l.a, to = from === l.a ? l.b : l.a;
    var p = lay.place[from], q = lay.place[to], mx = (p.x + q.x) / 2, my = Math.min(p.y, q.y) - 20 - Math.min(140, Math.abs(q.x - p.x) / 8);
    var path = svg('path', {d: 'M' + p.x + ',' + p.y + 'Q' + mx + ',' + my + ' ' + q.x + ',' + q.y,
      class: 'link' + (l.from >= 0 ? ' directed' : ''), 'stroke-width': (0.6 + 4 * l.w / maxw).toFixed(2)});
    if (l.from >= 0) path.setAttribute('marker-end', 'url(#rp-arrow)');
    var title = svg('title');
    title.textContent = shortName(D.docs[from]) + (l.from >= 0 ? ' \u2192 ' : ' \u2194 ') + shortName(D.docs[to]) + ': ' + l.w + ' tokens shared';
    path.appendChild(title);
    path.addEventListener('click', function () { openPair(from, to); });
    g.appendChild(path);
  });
  lay.nodes.forEach(function (d) {
    var c = svg('circle', {cx: lay.place[d].x, cy: lay.place[d].y, r: 4, class: 'node'}), t = svg('title');
    t.textContent = D.docs[d].name + (D.docs[d].title ? ' \u2014 ' + D.docs[d].title : '') + (D.docs[d].date != null ? ' (' + dateText(D.docs[d]) + ')' : '');
    c.appendChild(t);
    c.addEventListener('click', function () { location.hash = '#d/' + d; });
    g.appendChild(c);
  });
  box.textContent = '';
  box.appendChild(g);
}
function showNetwork(limit) {
  var v = document.getElementById('view-network'), links = networkLinks();
  var k = Math.min(limit || 200, links.length), card = el('section', 'card'), box = el('div', 'netbox');
  var slider = el('input'), say = el('span', 'mute');
  v.textContent = '';
  add(card, el('h2', null, 'Who copies whom'), el('p', 'mute', 'Each document is a dot, left to right by date (undated ones last), one row per series; ' +
    'a link joins two documents that share text, thicker for more shared tokens, its arrow from the earlier to the later. ' +
    'Boilerplate is left out. Click a link to compare the pair, a dot to open the document.'));
  slider.type = 'range';
  slider.min = String(Math.min(1, links.length));
  slider.max = String(links.length);
  slider.value = String(k);
  function redraw() {
    var n = +slider.value;
    say.textContent = ' the ' + n + ' strongest of ' + links.length + ' links';
    drawNetwork(box, links.slice(0, n));
  }
  slider.addEventListener('change', redraw);
  add(card, add(el('div', 'filters'), slider, say), box);
  add(v, card);
  if (!links.length) { add(box, el('p', 'mute', 'No two documents share text outside boilerplate.')); return; }
  redraw();
}
