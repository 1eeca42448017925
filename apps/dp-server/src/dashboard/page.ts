// The dashboard: one HTML page with plain JS (no framework, nothing fetched from elsewhere). It
// reads the admin token from the URL fragment (#token=...) or a form, keeps it in sessionStorage,
// and follows /api/v1/events (server-sent events) to redraw images, sessions and clients.

const SCRIPT = String.raw`
'use strict';
const $ = (sel) => document.querySelector(sel);
function tokenFromPage() {
  const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
  if (m) { sessionStorage.setItem('castpoint-token', decodeURIComponent(m[1])); history.replaceState(null, '', location.pathname); }
  return sessionStorage.getItem('castpoint-token');
}
function fmtBytes(n) {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']; let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + u[i];
}
function fmtRate(bps) { return (bps * 8 / 1e6).toFixed(1) + ' Mbit/s'; }
function cell(tr, text, cls) { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); return td; }
function fill(id, rows, make) {
  const body = $('#' + id + ' tbody'); body.textContent = '';
  for (const r of rows) body.appendChild(make(r));
  $('#' + id + '-empty').hidden = rows.length > 0;
}
function render(s) {
  $('#updated').textContent = 'updated ' + new Date(s.at).toLocaleTimeString() + ' (epoch ' + s.epoch + ')';
  const st = s.storage || { ok: true };
  $('#storage').hidden = st.ok;
  $('#storage').textContent = st.ok ? '' : 'The DP cannot save its state since ' + st.since + ' (' + (st.code || 'error') + ': ' + (st.error || '') + '): running sessions go on; new sessions and imports are refused until there is space in the data directory.';
  fill('images', s.images, (i) => {
    const tr = document.createElement('tr'); tr.dataset.image = i.name;
    cell(tr, i.name); cell(tr, fmtBytes(i.size)); cell(tr, i.mode);
    cell(tr, i.multicastOnly ? 'multicast only' : 'unicast fallback'); cell(tr, i.encrypt ? 'AES-GCM' : 'HMAC'); cell(tr, i.slowPolicy);
    return tr;
  });
  fill('sessions', s.sessions, (x) => {
    const tr = document.createElement('tr'); tr.dataset.sessionId = String(x.id); tr.dataset.state = x.state;
    cell(tr, String(x.id)); cell(tr, x.image); cell(tr, x.state, 'state state-' + x.state); cell(tr, x.mode + (x.tier ? ' / tier ' + x.tier : ''));
    cell(tr, x.group + ':' + x.port); cell(tr, String(x.receivers) + (x.state === 'waiting' ? ' (' + x.waiting + ' waiting)' : ''));
    cell(tr, fmtRate(x.throughputBps), 'throughput'); cell(tr, fmtBytes(x.bytesSent), 'sent');
    cell(tr, x.endReason || '');
    return tr;
  });
  fill('clients', s.clients, (c) => {
    const tr = document.createElement('tr'); tr.dataset.clientId = String(c.id); tr.dataset.state = c.state;
    cell(tr, c.hostname); cell(tr, c.image); cell(tr, c.state, 'state state-' + c.state);
    const td = cell(tr, ''); const bar = document.createElement('progress'); bar.max = 1; bar.value = c.progress; td.appendChild(bar);
    const pct = document.createElement('span'); pct.className = 'pct'; pct.textContent = ' ' + Math.floor(c.progress * 100) + '%'; td.appendChild(pct);
    cell(tr, fmtRate(c.rateBps)); cell(tr, c.sessionId === null ? '-' : String(c.sessionId)); cell(tr, c.message || '');
    return tr;
  });
}
let source;
function connect() {
  const token = tokenFromPage();
  $('#login').hidden = !!token;
  if (!token) { $('#conn').textContent = 'enter the admin token'; return; }
  if (source) source.close();
  source = new EventSource('/api/v1/events?token=' + encodeURIComponent(token));
  source.addEventListener('snapshot', (ev) => { $('#conn').textContent = 'live'; $('#conn').className = 'ok'; render(JSON.parse(ev.data)); });
  source.onerror = () => {
    $('#conn').textContent = 'reconnecting'; $('#conn').className = 'bad';
    // EventSource does not say why: a refused token would be retried for ever. Ask once.
    fetch('/api/v1/sessions', { headers: { authorization: 'Bearer ' + token } }).then((r) => {
      if (r.status !== 401 && r.status !== 403) return;
      source.close(); sessionStorage.removeItem('castpoint-token');
      $('#conn').textContent = 'token refused: enter the admin token'; $('#login').hidden = false;
    }, () => undefined);
  };
}
$('#login').addEventListener('submit', (ev) => {
  ev.preventDefault(); sessionStorage.setItem('castpoint-token', $('#token').value.trim()); connect();
});
connect();
`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>castpoint distribution point</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
  h1 { font-size: 1.3rem; margin: 0 0 .3rem; } h2 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
  table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .25rem .6rem; border-bottom: 1px solid #ddd; }
  th { background: #f4f4f4; } .ok { color: #196c2e; } .bad { color: #a40e26; } .muted { color: #777; }
  .state { font-weight: 600; } .state-done { color: #196c2e; } .state-failed { color: #a40e26; } .state-fallback { color: #9a6700; }
  .state-receiving, .state-running { color: #0550ae; } .state-repairing { color: #8250df; } .state-waiting { color: #777; }
  progress { width: 9rem; vertical-align: middle; }
</style>
</head>
<body>
<h1>castpoint distribution point</h1>
<div><span id="conn" class="muted">connecting</span> · <span id="updated" class="muted"></span> · <a href="/docs">API</a> · <a href="/metrics">metrics</a></div>
<p id="storage" class="bad" hidden></p>
<form id="login" hidden><label>Admin token <input id="token" type="password" autocomplete="off"></label> <button>Open</button></form>
<h2>Sessions</h2>
<table id="sessions"><thead><tr><th>id</th><th>image</th><th>state</th><th>mode</th><th>group:port</th><th>receivers</th><th>throughput</th><th>sent</th><th>note</th></tr></thead><tbody></tbody></table>
<p id="sessions-empty" class="muted">No sessions yet.</p>
<h2>Clients</h2>
<table id="clients"><thead><tr><th>host</th><th>image</th><th>state</th><th>progress</th><th>rate</th><th>session</th><th>note</th></tr></thead><tbody></tbody></table>
<p id="clients-empty" class="muted">No clients yet.</p>
<h2>Images</h2>
<table id="images"><thead><tr><th>name</th><th>size</th><th>mode</th><th>transfer</th><th>protection</th><th>slow clients</th></tr></thead><tbody></tbody></table>
<p id="images-empty" class="muted">No images yet.</p>
<script>${SCRIPT}</script>
</body>
</html>
`;
