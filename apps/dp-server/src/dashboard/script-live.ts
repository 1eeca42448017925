// The Live view's script: sessions (start, cancel, waiters, elapsed, ETA, average rate), the
// throughput chart (uPlot, served by the DP), clients and refused agent requests.

export const SCRIPT_LIVE = String.raw`
let chart; let chartSession = null;
function sessionClients(x) {
  if (x.state === 'waiting') {
    const of = x.minClients ? x.waiting + ' of ' + x.minClients + ' clients' : x.waiting + ' waiting';
    return of + (x.waitingHosts.length ? ': ' + x.waitingHosts.join(', ') : '');
  }
  return x.receivers + (x.receivers === 1 ? ' client' : ' clients');
}
function sessionStart(x) {
  if (x.state === 'waiting') {
    const parts = [];
    if (x.startsAt) parts.push('starts ' + fmtTime(x.startsAt));
    if (x.deadline) parts.push('latest ' + fmtTime(x.deadline));
    return parts.length ? parts.join(', ') : 'when enough clients wait';
  }
  return fmtTime(x.startedAt || x.createdAt);
}
function sessionRate(x) {
  if (x.state === 'running') return fmtRate(x.throughputBps);
  return x.averageBps === null ? '' : 'avg ' + fmtRate(x.averageBps);
}
function drawChart(s) {
  const box = $('#chart');
  const shown = s.sessions.find((x) => x.id === chartSession) || s.sessions.find((x) => x.state === 'running') || s.sessions.find((x) => x.series.length > 0);
  if (!window.uPlot || !shown || shown.series.length === 0) { box.hidden = true; return; }
  box.hidden = false;
  $('#chart-title').textContent = 'Session ' + shown.id + ' (' + shown.image + '): throughput, Mbit/s';
  const data = [shown.series.map((p) => p[0]), shown.series.map((p) => p[1] * 8 / 1e6)];
  const width = Math.max(300, box.clientWidth - 10);
  if (!chart || chart.castpointId !== shown.id) {
    if (chart) chart.destroy();
    // Room on the right for half of the last time label, which uPlot centres on its tick (it was cut: "9:12:03 A").
    chart = new uPlot({ width: width, height: 180, padding: [12, 48, 0, 0], series: [{}, { label: 'Mbit/s', stroke: '#0550ae', fill: 'rgba(5,80,174,0.08)', width: 2 }], axes: [{ space: 90, incrs: [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600], values: (u, ticks) => ticks.map((t) => new Date(t * 1000).toLocaleTimeString()) }, { size: 50 }], legend: { show: false } }, data, $('#chart-plot'));
    chart.castpointId = shown.id;
  } else {
    chart.setData(data);
  }
}
/** A refusal's host or image; a request refused before its body was read (a wrong token) has none. */
function notRead(tr, text) {
  if (text) return cutCell(tr, text);
  const td = cell(tr, '-', 'muted'); td.title = 'not read: the request was refused before its body was read';
  return td;
}
views.live = {
  render(s) {
    $('#updated').textContent = 'updated ' + new Date(s.at).toLocaleTimeString() + ' (epoch ' + s.epoch + ')';
    const st = s.storage || { ok: true };
    $('#storage').hidden = st.ok;
    $('#storage').textContent = st.ok ? '' : 'The DP cannot save its state since ' + st.since + ' (' + (st.code || 'error') + ': ' + (st.error || '') + '): running sessions go on; new sessions and imports are refused until there is space in the data directory.';
    const pick = $('#start-image'); const was = pick.value; pick.textContent = '';
    for (const i of s.images) if (!i.broken) pick.appendChild(el('option', i.name));
    if (was) pick.value = was;
    fill('sessions', s.sessions, (x) => {
      const tr = document.createElement('tr'); tr.dataset.sessionId = String(x.id); tr.dataset.state = x.state;
      cell(tr, String(x.id)); cell(tr, x.image); cell(tr, x.state, 'state state-' + x.state); cell(tr, x.mode + (x.tier ? ' / tier ' + x.tier : ''));
      cutCell(tr, sessionClients(x), 'clients'); cell(tr, sessionStart(x), 'start');
      cell(tr, fmtDuration(x.elapsedSec), 'elapsed'); cell(tr, x.etaSec === null ? '' : fmtDuration(x.etaSec), 'eta');
      cell(tr, sessionRate(x), 'throughput'); cell(tr, fmtBytes(x.bytesSent), 'sent');
      noteCell(tr, x.endReason);
      const td = cell(tr, '', 'actions');
      if (x.state === 'waiting' || x.state === 'running') {
        td.appendChild(button('Cancel', 'needs-operator cancel', () => {
          if (confirm('Cancel session ' + x.id + ' (' + x.image + ')? Its clients are told to stop.')) act('cancel session ' + x.id, () => api('DELETE', '/api/v1/sessions/' + x.id));
        }));
      }
      if (x.series.length) td.appendChild(button('Chart', 'chart', () => { chartSession = x.id; drawChart(s); }));
      return tr;
    });
    drawChart(s);
    // Agents waiting for a scheduled session are no clients yet: "No clients yet" beside a session
    // that says "2 of 3 clients" read as a contradiction.
    const waitingAgents = s.sessions.filter((x) => x.state === 'waiting').reduce((n, x) => n + x.waiting, 0);
    $('#clients-empty').textContent = waitingAgents
      ? (waitingAgents === 1 ? '1 agent waits' : waitingAgents + ' agents wait') + ' for a scheduled session to start (Sessions, above); they show here once it starts.'
      : 'No clients yet: an agent shows here once it asks for an image.';
    fill('clients', s.clients, (c) => {
      const tr = document.createElement('tr'); tr.dataset.clientId = String(c.id); tr.dataset.state = c.state;
      cutCell(tr, c.machine); const mac = cell(tr, c.macs.length ? c.macs[0] + (c.macs.length > 1 ? ' +' + (c.macs.length - 1) : '') : '-', 'mac'); if (c.macs.length) mac.title = c.macs.join(', '); cell(tr, c.ip || '-');
      cell(tr, c.image); cell(tr, c.state, 'state state-' + c.state);
      const td = cell(tr, ''); const bar = document.createElement('progress'); bar.max = 1; bar.value = c.progress; td.appendChild(bar);
      td.appendChild(el('span', ' ' + Math.floor(c.progress * 100) + '%', 'pct'));
      cell(tr, fmtRate(c.rateBps)); cell(tr, c.sessionId === null ? '-' : String(c.sessionId)); cell(tr, fmtTime(c.startedAt)); noteCell(tr, c.message);
      return tr;
    });
    fill('refusals', s.refusals, (r) => {
      const tr = document.createElement('tr'); tr.dataset.code = r.code;
      cell(tr, fmtTime(r.at)); cell(tr, r.ip); notRead(tr, r.hostname); notRead(tr, r.image); cell(tr, r.status + ' ' + r.code, 'bad'); noteCell(tr, r.message);
      return tr;
    });
  },
};
$('#start-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const image = $('#start-image').value;
  if (image) act('start a session of ' + image, () => api('POST', '/api/v1/sessions', { image: image }));
});
`;
