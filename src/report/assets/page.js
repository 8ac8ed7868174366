/* page.js - the end of every page's script: kind filters, routing by the location's hash,
 * "show more" blocks, the ready mark the browser test waits for; closes base.js's closure.
 * (Opening comment not embedded.) */
/* ---- overview: kind filters; routing between views by the location's hash ---- */
function setupFilters() {
  Array.prototype.forEach.call(document.querySelectorAll('.filters input[data-kind]'), function (box) {
    box.addEventListener('change', function () {
      document.body.classList.toggle('hide-' + box.getAttribute('data-kind'), !box.checked);
    });
  });
}
function route() {
  var h = decodeURIComponent(location.hash.slice(1)), m = /^([a-z])\/(\d+)(?:\/(\d+\.\d+))?$/.exec(h);
  var name = m && VIEWS[m[1]] ? m[1] : null;
  Array.prototype.forEach.call(document.querySelectorAll('main > .view'), function (s) {
    s.hidden = s.getAttribute('data-view') !== (name || 'overview');
  });
  Array.prototype.forEach.call(document.querySelectorAll('nav.views a'), function (a) {
    a.classList.toggle('on', a.getAttribute('data-view') === (name || 'overview'));
  });
  if (name) { VIEWS[name](+m[2], m[3]); if (!m[3]) window.scrollTo(0, 0); return; }
  var t = h && document.getElementById(h);
  for (var p = t && t.parentNode; p; p = p.parentNode)
    if (p.nodeType === 1 && p.hidden && p.classList.contains('more')) { p.hidden = false; revealed(p); }
  if (t) t.scrollIntoView(); else window.scrollTo(0, 0);
}
function setupMore() {
  Array.prototype.forEach.call(document.querySelectorAll('button.showmore'), function (b) {
    b.addEventListener('click', function () {
      var next = b.parentNode.querySelector('.more[hidden]');
      if (next) { next.hidden = false; revealed(next); }
      if (!b.parentNode.querySelector('.more[hidden]')) b.hidden = true;
    });
  });
}
setupFilters();
setupMore();
setupPage();
window.addEventListener('hashchange', route);
route();
window.addEventListener('load', function () {
  void document.body.offsetHeight;
  document.documentElement.setAttribute('data-rp-ready', String(Math.round(performance.now())));
});
})();
