/* onerror.js - the page's first script: writes script errors, and whatever the page's
 * Content-Security-Policy refused, into the page (#rp-errors), where people see them and the
 * browser test reads them. (Opening comment not embedded.) */
(function () {
'use strict';
function show(text) {
  var b = document.getElementById('rp-errors');
  if (!b) return;
  var d = document.createElement('div');
  d.className = 'rp-error';
  d.textContent = text;
  b.appendChild(d);
}
window.onerror = function (m, s, l, c) { show('script error: ' + m + ' (line ' + l + ':' + c + ')'); };
document.addEventListener('securitypolicyviolation', function (e) {
  show('refused by the page\'s security policy: ' + e.violatedDirective + (e.sample ? ' (' + e.sample + ')' : ''));
});
})();
