/* base.js - the start of every page's script: opens its closure, DOM helpers that put corpus
 * text in only through text nodes, and the word diff (LCS over words). The page's own script
 * (scan.js or quotes.js) follows, then page.js closes it. (Opening comment not embedded.) */
(function () {
'use strict';
/* Corpus text only ever reaches the page through textContent and text nodes. */
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = String(text);
  return e;
}
function link(href, text, cls) { var a = el('a', cls, text); a.href = href; return a; }
function add(parent) {
  for (var i = 1; i < arguments.length; i++) {
    var x = arguments[i];
    parent.appendChild(typeof x === 'string' ? document.createTextNode(x) : x);
  }
  return parent;
}
function pct(x) { return (x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0) + '%'; }

/* ---- word diff: LCS over words (case and quote style folded), runs of changes paired up
   as substitutions ---- */
var MAX_CELLS = 4e6;
function words(s) { return s.match(/\s+|[^\s]+/g) || []; }
function key(w) { return w.toLowerCase().replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d\u00ab\u00bb\u201e]/g, '"'); }
function lcsOps(a, b) {
  var lo = 0, ha = a.length, hb = b.length, ops = [], mid = [], i, j;
  while (lo < ha && lo < hb && a[lo] === b[lo]) lo++;
  while (ha > lo && hb > lo && a[ha - 1] === b[hb - 1]) { ha--; hb--; }
  for (i = 0; i < lo; i++) ops.push('=');
  var n = ha - lo, m = hb - lo;
  if (n * m > MAX_CELLS) {
    for (i = 0; i < n; i++) mid.push('-');
    for (j = 0; j < m; j++) mid.push('+');
  } else {
    var w = m + 1, t = new Uint32Array((n + 1) * w);
    for (i = n - 1; i >= 0; i--)
      for (j = m - 1; j >= 0; j--)
        t[i * w + j] = a[lo + i] === b[lo + j] ? t[(i + 1) * w + j + 1] + 1
          : Math.max(t[(i + 1) * w + j], t[i * w + j + 1]);
    i = 0; j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[lo + i] === b[lo + j]) { mid.push('='); i++; j++; }
      else if (j >= m || (i < n && t[(i + 1) * w + j] >= t[i * w + j + 1])) { mid.push('-'); i++; }
      else { mid.push('+'); j++; }
    }
  }
  ops = ops.concat(mid);
  for (i = ha; i < a.length; i++) ops.push('=');
  return ops;
}
/* Classes for the words of a and b: '' same, 'del', 'ins', 'sub'; words compared by
   keyOf(word), key by default. */
function wordDiff(a, b, keyOf) {
  var f = keyOf || key, ops = lcsOps(a.map(f), b.map(f)), ca = [], cb = [], k = 0, st = {same: 0, sub: 0, del: 0, ins: 0};
  while (k < ops.length) {
    if (ops[k] === '=') { ca.push(''); cb.push(''); st.same++; k++; continue; }
    var d = 0, n = 0;
    while (k < ops.length && ops[k] !== '=') { if (ops[k] === '-') d++; else n++; k++; }
    var s = Math.min(d, n), x;
    for (x = 0; x < d; x++) ca.push(x < s ? 'sub' : 'del');
    for (x = 0; x < n; x++) cb.push(x < s ? 'sub' : 'ins');
    st.sub += s; st.del += d - s; st.ins += n - s;
  }
  return {a: ca, b: cb, stats: st};
}
function isWord(t) { return !/^\s/.test(t); }
/* Fills box with toks (from words()), the k-th word in a span of class 'w-' + cls[k] when
   cls[k] is set: the text stays the same, only spans are added. */
function paintWords(box, toks, cls) {
  var k = 0, frag = document.createDocumentFragment();
  toks.forEach(function (t) {
    if (!isWord(t)) { frag.appendChild(document.createTextNode(t)); return; }
    var c = cls[k++];
    frag.appendChild(c ? el('span', 'w-' + c, t) : document.createTextNode(t));
  });
  box.textContent = '';
  box.appendChild(frag);
}

