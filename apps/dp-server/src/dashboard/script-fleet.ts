// The Machines, Deployments and History views' script: read from the REST routes of issue 24
// (machines, deployments, machine-history) when the view opens and on each change while it is
// open; a machine being imaged shows its live progress from the event stream.

export const SCRIPT_FLEET = String.raw`
let fleet = { machines: [], more: false, deployments: [], collections: [], history: [] };
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
    cell(tr, m.name); cell(tr, m.state, 'machine-state state-' + m.state); cell(tr, m.macs.join(' '), 'mono'); cell(tr, m.lastIp || '-'); cell(tr, [m.vendor, m.model].filter(Boolean).join(' ') || '-');
    cell(tr, m.lastSeen ? fmtTime(m.lastSeen) : 'never', 'seen');
    const live = liveOf(m, lastSnapshot); const td = cell(tr, '');
    if (live) { const bar = document.createElement('progress'); bar.max = 1; bar.value = live.progress; td.appendChild(bar); td.appendChild(el('span', ' ' + Math.floor(live.progress * 100) + '% ' + live.state, 'pct')); }
    const h = lastAttempt(m.name);
    cell(tr, h ? h.deployment || '' : 'none yet', 'last'); resultCell(tr, h); cell(tr, h ? fmtTime(h.startedAt) : ''); cell(tr, h ? duration(h) : '');
    const a = cell(tr, '', 'actions');
    if (h && h.deployment) a.appendChild(button('Rerun', 'needs-operator rerun', () => act('rerun ' + h.deployment + ' on ' + m.name, () => api('POST', '/api/v1/deployments/' + encodeURIComponent(h.deployment) + '/rerun', { machine: m.name }))));
    // The form of script-fleet-forms.ts: approving names the machine (or keeps its name).
    if (m.state === 'unknown') a.appendChild(button('Approve', 'needs-operator approve', () => editMachine(m, 'approve')));
    a.appendChild(button('Rename', 'needs-operator rename', () => editMachine(m, 'rename')));
    a.appendChild(button('Remove', 'needs-operator remove', async () => {
      if (!confirm('Remove machine ' + m.name + '? Its history stays, under its name; if its agent asks again it registers as an unknown machine.')) return;
      // A 204 resolves with null: the list is read again whatever act says.
      await act('remove machine ' + m.name, () => api('DELETE', '/api/v1/machines/' + encodeURIComponent(m.name)));
      loadFleet('machines');
    }));
    return tr;
  });
  const unknownOnly = $('#machine-filter').state.value === 'unknown';
  const n = fleet.machines.length;
  $('#machines-count').textContent = (unknownOnly ? n + ' unknown machine' + (n === 1 ? '' : 's') + ' waiting for approval' : n + ' machine' + (n === 1 ? '' : 's')) + (fleet.more ? ' (the first ' + n + ' shown: castpoint-dp machine list has them all)' : '');
  $('#machines-empty').textContent = unknownOnly ? 'No unknown machine: every machine that registered itself has been approved.' : 'No machines yet: they register when their agent first asks (castpoint-agent run), or add them below.';
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
    a.appendChild(button('Remove', 'needs-operator remove', async () => {
      if (!confirm('Remove deployment ' + d.name + '? Machines that have not run it will not get it; its history stays.')) return;
      await act('remove deployment ' + d.name, () => api('DELETE', '/api/v1/deployments/' + encodeURIComponent(d.name)));
      loadFleet('deployments');
    }));
    return tr;
  });
  fillDeploymentChoices();
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
    const state = $('#machine-filter').state.value;
    const [m, d, c, h] = await Promise.all([api('GET', '/api/v1/machines?limit=500' + (state ? '&state=' + state : '')), api('GET', '/api/v1/deployments'), api('GET', '/api/v1/collections'), api('GET', '/api/v1/machine-history?limit=1000')]);
    fleet = { machines: m.machines, more: m.next !== null, deployments: d, collections: c, history: h };
    renderMachines(); renderDeployments();
  } catch (e) { say('cannot read ' + which + ': ' + e.message, true); }
}
// Changes come many times a second while agents report: the REST lists are read at most every 3 s.
function throttled(fn) { let last = 0; return () => { const t = Date.now(); if (t - last > 3000) { last = t; fn(); } }; }
const open = (name) => !$('section[data-view="' + name + '"]').hidden;
const reloadMachines = throttled(() => loadFleet('machines'));
views.machines = { open: () => loadFleet('machines'), render: () => { if (open('machines')) { renderMachines(); reloadMachines(); } } };
views.deployments = { open: () => loadFleet('deployments'), render: () => { if (open('deployments')) { fillDeploymentChoices(); reloadMachines(); } } };
views.history = { open: () => loadFleet('history') };
$('#history-filter').addEventListener('submit', (ev) => { ev.preventDefault(); loadFleet('history'); });
$('#machine-filter').addEventListener('submit', (ev) => ev.preventDefault());
$('#machine-filter').state.addEventListener('change', () => loadFleet('machines'));
`;
