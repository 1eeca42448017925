// The page's shared script: token, formatting, the API helper, the role, the tabs and the live
// event stream. Plain JS in a string (no framework, no build step); no backquotes inside.

export const SCRIPT_CORE = String.raw`
'use strict';
const $ = (sel) => document.querySelector(sel);
const views = {};
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
function fmtDuration(sec) {
  if (sec === null || sec === undefined) return '';
  sec = Math.round(sec);
  const h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
  return h > 0 ? h + ' h ' + String(m).padStart(2, '0') + ' min' : m > 0 ? m + ' min ' + String(s).padStart(2, '0') + ' s' : s + ' s';
}
function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString() : d.toLocaleString();
}
function el(tag, text, cls) { const e = document.createElement(tag); if (text !== undefined && text !== null) e.textContent = String(text); if (cls) e.className = cls; return e; }
function cell(tr, text, cls) { const td = el('td', text, cls); tr.appendChild(td); return td; }
// A long note is cut to its cell by CSS; the whole text is in its tooltip.
function noteCell(tr, text) { const td = cell(tr, text || '', 'note'); if (text) td.title = text; return td; }
// A value an agent sent (an image name, a host name) or a long list: cut likewise, whole in the tooltip.
function cutCell(tr, text, cls) { const td = cell(tr, text || '', 'cut' + (cls ? ' ' + cls : '')); if (text) td.title = text; return td; }
function button(label, cls, onClick) { const b = el('button', label, cls); b.type = 'button'; b.addEventListener('click', onClick); return b; }
function fill(id, rows, make) {
  const body = $('#' + id + ' tbody'); body.textContent = '';
  for (const r of rows) body.appendChild(make(r));
  const empty = $('#' + id + '-empty'); if (empty) empty.hidden = rows.length > 0;
}
function say(text, bad) { const n = $('#notice'); n.textContent = text; n.className = bad ? 'bad' : 'ok'; n.hidden = !text; }
// One call to the REST API with the page's token; resolves with the JSON (or null), rejects with the DP's message.
async function api(method, path, body) {
  const token = sessionStorage.getItem('castpoint-token') || '';
  const init = { method: method, headers: { authorization: 'Bearer ' + token } };
  if (body !== undefined) { init.headers['content-type'] = 'application/json'; init.body = JSON.stringify(body); }
  const r = await fetch(path, init);
  const text = await r.text();
  const json = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error((json && json.message) || (method + ' ' + path + ': ' + r.status));
  return json;
}
// Runs an action from a button: says what happened, or why the DP refused.
async function act(what, fn) {
  try { const out = await fn(); say(what + ': done'); return out; }
  catch (e) { say(what + ': ' + e.message, true); return undefined; }
}
function showView(name) {
  for (const s of document.querySelectorAll('section[data-view]')) s.hidden = s.dataset.view !== name;
  for (const b of document.querySelectorAll('nav button')) b.classList.toggle('current', b.dataset.view === name);
  if (views[name] && views[name].open) views[name].open();
}
for (const b of document.querySelectorAll('nav button')) b.addEventListener('click', () => { location.hash = b.dataset.view; showView(b.dataset.view); });
let source;
let lastSnapshot;
function connect() {
  const token = tokenFromPage();
  $('#login').hidden = !!token;
  if (!token) { $('#conn').textContent = 'enter your token (admin, operator or viewer)'; return; }
  api('GET', '/api/v1/whoami').then((w) => { document.body.dataset.role = w.role; $('#role').textContent = w.role; }, () => undefined);
  if (source) source.close();
  source = new EventSource('/api/v1/events?token=' + encodeURIComponent(token));
  source.addEventListener('snapshot', (ev) => {
    $('#conn').textContent = 'live'; $('#conn').className = 'ok';
    lastSnapshot = JSON.parse(ev.data);
    for (const v of Object.values(views)) if (v.render) v.render(lastSnapshot);
  });
  source.onerror = () => {
    $('#conn').textContent = 'reconnecting'; $('#conn').className = 'bad';
    // EventSource does not say why: a refused token would be retried for ever. Ask once.
    fetch('/api/v1/sessions', { headers: { authorization: 'Bearer ' + token } }).then((r) => {
      if (r.status !== 401 && r.status !== 403) return;
      source.close(); sessionStorage.removeItem('castpoint-token');
      $('#conn').textContent = 'token refused: enter your token'; $('#login').hidden = false;
    }, () => undefined);
  };
}
$('#login').addEventListener('submit', (ev) => {
  ev.preventDefault(); sessionStorage.setItem('castpoint-token', $('#token').value.trim()); connect();
});
`;

/** Runs last, once every view has registered itself. */
export const SCRIPT_START = String.raw`
connect();
showView(views[location.hash.slice(1)] ? location.hash.slice(1) : 'live');
`;
