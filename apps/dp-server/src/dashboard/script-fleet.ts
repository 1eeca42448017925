// The Machines, Deployments and History views' script: read from the REST routes of issue 24
// (machines, deployments, machine-history) when the view opens and on each change while it is
// open; a machine being imaged shows its live progress from the event stream.

export const SCRIPT_FLEET = String.raw`
let fleet = { machines: [], deployments: [], history: [] };
function liveOf(m, s) {
  // An agent reports its host name; the machine view matches it to the machine's name.
  return s ? s.clients.find((c) => c.hostname === m.name && c.state !== 'done' && c.state !== 'failed') : undefined;
}
function lastAttempt(name) { return fleet.history.find((h) => h.machine === name); }
function resultCell(tr, h) {
  if (!h) { cell(tr, ''); return; }
  cell(tr, h.endedAt ? h.result : 'running', 'state state-' + (h.result === 'ok' ? 'done' : h.endedAt ? 'failed' : 'running'));
}
function duration(h) { return h.endedAt ? fmtDuration((Date.parse(h.endedAt) - Date.parse(h.startedAt)) / 1000) : ''; }
function renderMachines() {
  fill('machines', fleet.machines, (m) => {
    const tr = document.createElement('tr'); tr.dataset.machine = m.name;
    // A machine added by hand that never asked: say so rather than leave a row of blank cells.
    cell(tr, m.name); cell(tr, m.state); cell(tr, m.macs.join(' '), 'mono'); cell(tr, m.lastIp || '-'); cell(tr, [m.vendor, m.model].filter(Boolean).join(' ') || '-');
    cell(tr, m.lastSeen ? fmtTime(m.lastSeen) : 'never', 'seen');
    const live = liveOf(m, lastSnapshot); const td = cell(tr, '');
    if (live) { const bar = document.createElement('progress'); bar.max = 1; bar.value = live.progress; td.appendChild(bar); td.appendChild(el('span', ' ' + Math.floor(live.progress * 100) + '% ' + live.state, 'pct')); }
    const h = lastAttempt(m.name);
    cell(tr, h ? h.deployment || '' : 'none yet', 'last'); resultCell(tr, h); cell(tr, h ? fmtTime(h.startedAt) : ''); cell(tr, h ? duration(h) : '');
    const a = cell(tr, '', 'actions');
    if (h && h.deployment) a.appendChild(button('Rerun', 'needs-operator rerun', () => act('rerun ' + h.deployment + ' on ' + m.name, () => api('POST', '/api/v1/deployments/' + encodeURIComponent(h.deployment) + '/rerun', { machine: m.name }))));
    return tr;
  });
}
function renderDeployments() {
  fill('deployments', fleet.deployments, (d) => {
    const tr = document.createElement('tr'); tr.dataset.deployment = d.name;
    const runs = fleet.history.filter((h) => h.deployment === d.name);
    cell(tr, d.name); cell(tr, d.image); cell(tr, d.collection); cell(tr, d.purpose); cell(tr, d.disk); cell(tr, d.after);
    cell(tr, [d.notBefore ? 'from ' + fmtTime(d.notBefore) : '', d.deadline ? 'until ' + fmtTime(d.deadline) : ''].filter(Boolean).join(', ') || 'any time', 'window');
    cell(tr, runs.filter((h) => h.result === 'ok').length + ' ok, ' + runs.filter((h) => h.endedAt && h.result !== 'ok').length + ' failed');
    const a = cell(tr, '', 'actions');
    a.appendChild(button('Rerun all', 'needs-operator rerun', () => {
      if (confirm('Deploy ' + d.name + ' again on every machine of ' + d.collection + '?')) act('rerun ' + d.name, () => api('POST', '/api/v1/deployments/' + encodeURIComponent(d.name) + '/rerun', {}));
    }));
    return tr;
  });
}
function historyQuery() {
  const f = $('#history-filter'); const q = new URLSearchParams({ limit: '500' });
  if (f.machine.value.trim()) q.set('machine', f.machine.value.trim());
  if (f.deployment.value.trim()) q.set('deployment', f.deployment.value.trim());
  if (f.since.value) q.set('since', new Date(f.since.value).toISOString());
  return '/api/v1/machine-history?' + q.toString();
}
function renderHistory(rows) {
  const want = $('#history-filter').result.value;
  const shown = rows.filter((h) => !want || (want === 'ok' ? h.result === 'ok' : h.result !== 'ok'));
  fill('history', shown, (h) => {
    const tr = document.createElement('tr'); tr.dataset.result = h.result;
    cell(tr, h.machine || ''); cell(tr, h.deployment || ''); cell(tr, h.image || ''); cell(tr, fmtTime(h.startedAt)); cell(tr, fmtTime(h.endedAt)); cell(tr, duration(h));
    resultCell(tr, h); cell(tr, h.bytes === null ? '' : fmtBytes(h.bytes)); cell(tr, h.transport || ''); cell(tr, h.exitCode === null ? '' : String(h.exitCode)); noteCell(tr, h.message);
    return tr;
  });
}
async function loadFleet(which) {
  try {
    if (which === 'history') { renderHistory(await api('GET', historyQuery())); return; }
    const [m, d, h] = await Promise.all([api('GET', '/api/v1/machines?limit=500'), api('GET', '/api/v1/deployments'), api('GET', '/api/v1/machine-history?limit=1000')]);
    fleet = { machines: m.machines, deployments: d, history: h };
    renderMachines(); renderDeployments();
  } catch (e) { say('cannot read ' + which + ': ' + e.message, true); }
}
// Changes come many times a second while agents report: the REST lists are read at most every 3 s.
function throttled(fn) { let last = 0; return () => { const t = Date.now(); if (t - last > 3000) { last = t; fn(); } }; }
const open = (name) => !$('section[data-view="' + name + '"]').hidden;
const reloadMachines = throttled(() => loadFleet('machines'));
views.machines = { open: () => loadFleet('machines'), render: () => { if (open('machines')) { renderMachines(); reloadMachines(); } } };
views.deployments = { open: () => loadFleet('deployments'), render: () => { if (open('deployments')) reloadMachines(); } };
views.history = { open: () => loadFleet('history') };
$('#history-filter').addEventListener('submit', (ev) => { ev.preventDefault(); loadFleet('history'); });
`;
