/* onerror.js - the page's first script: writes script errors into the page, where people see
 * them and the browser test reads them. One line, no final newline (it is embedded as it is).
 * (Opening comment not embedded.) */
window.onerror=function(m,s,l,c){var b=document.getElementById('rp-errors');if(b){var d=document.createElement('div');d.className='rp-error';d.textContent='script error: '+m+' (line '+l+':'+c+')';b.appendChild(d);}};