/* quotes.js - the quotes page's own script: marks the words in which a quotation and the
 * source shown beside it differ, and switches sources; defines VIEWS, setupPage and revealed
 * for page.js. (Opening comment not embedded.) */
/* ---- quotations: word diff of the quotation and the source shown beside it ---- */
var VIEWS = {};
function each(root, sel, fn) { Array.prototype.forEach.call(root.querySelectorAll(sel), fn); }
/* A quotation's edges differ from its source's by punctuation and marks: words compare
   without what surrounds their letters and digits. */
function quoteKey(w) { var k = key(w); return k.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '') || k; }
function compareQuote(art) {
  var q = art.querySelector('.pane.q .txt'), s = art.querySelector('.pane.s:not([hidden]) .txt');
  if (!q || !s) return;
  var tq = words(q.textContent), ts = words(s.textContent);
  var d = wordDiff(tq.filter(isWord), ts.filter(isWord), quoteKey), st = d.stats, sum = art.querySelector('.diffsum');
  paintWords(q, tq, d.a);
  paintWords(s, ts, d.b);
  sum.textContent = '';
  [['sub', st.sub, ' substituted'], ['del', st.del, ' only in the quotation'], ['ins', st.ins, ' only in the source']]
    .forEach(function (x) { if (x[1]) add(sum, el('span', 'w-' + x[0], x[1] + x[2])); });
  if (!sum.firstChild) add(sum, el('span', 'mute', 'the same words (case and punctuation aside)'));
  art.setAttribute('data-compared', String(st.same));
}
function pickSource(art, j) {
  each(art, '.pane.s', function (p) { p.hidden = p.getAttribute('data-pick') !== j; });
  each(art, '.picks button', function (b) { b.classList.toggle('on', b.getAttribute('data-pick') === j); });
  compareQuote(art);
}
function revealed(root) { each(root, 'article.qt', compareQuote); }
function setupPage() {
  each(document, '.picks button', function (b) {
    b.addEventListener('click', function () { pickSource(b.closest('article.qt'), b.getAttribute('data-pick')); });
  });
  each(document, 'main section > article.qt', compareQuote);
}
