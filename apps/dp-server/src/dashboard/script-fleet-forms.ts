// The operator's forms of the Machines and Deployments views: add a machine, import a CSV (pasted
// or from a file; the partial import adds the good rows and lists each refused one with its
// reason), rename or approve a machine, add a deployment. A refusal is shown on the form's own
// line, as the DP words it (a taken MAC names the machine that holds it). Plain JS in a string
// (no backquotes inside); listeners only, no inline handlers.

export const SCRIPT_FLEET_FORMS = String.raw`
// Runs one form's action: its message line says why the DP refused; the notice says it was done.
async function formAct(form, what, fn) {
  const msg = form.querySelector('.form-msg'); msg.textContent = ''; msg.className = 'form-msg';
  const submit = form.querySelector('button[type=submit]'); submit.disabled = true;
  try { const out = await fn(); say(what + ': done'); return out === undefined ? true : out; }
  catch (e) { say(''); msg.textContent = e.message; msg.className = 'form-msg bad'; return undefined; }
  finally { submit.disabled = false; }
}
function editMachine(m, mode) {
  const f = $('#machine-edit');
  f.hidden = false; f.dataset.machine = m.name; f.dataset.mode = mode;
  f.querySelector('.form-msg').textContent = '';
  $('#machine-edit-title').textContent = mode === 'approve' ? 'Approve ' + m.name + ' (' + m.macs.join(' ') + '): keep or change its name' : 'Rename ' + m.name;
  f.querySelector('button[type=submit]').textContent = mode === 'approve' ? 'Approve' : 'Rename';
  f.name.value = m.name; f.name.focus(); f.name.select();
}
$('#machine-edit').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target; const old = f.dataset.machine; const name = f.name.value.trim();
  const approve = f.dataset.mode === 'approve';
  const body = approve ? { state: 'known' } : {};
  if (name !== old) body.name = name;
  if (!approve && name === old) { f.hidden = true; return; }
  const what = approve ? 'approve ' + old + (name !== old ? ' as ' + name : '') : 'rename ' + old + ' to ' + name;
  if (await formAct(f, what, () => api('PATCH', '/api/v1/machines/' + encodeURIComponent(old), body))) { f.hidden = true; loadFleet('machines'); }
});
$('#machine-edit-cancel').addEventListener('click', () => { $('#machine-edit').hidden = true; });
$('#machine-add').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target; const name = f.name.value.trim();
  const body = { name: name, macs: [f.mac.value.trim()] };
  if (f.uuid.value.trim()) body.uuid = f.uuid.value.trim();
  if (await formAct(f, 'add machine ' + name, () => api('POST', '/api/v1/machines', body))) { f.reset(); loadFleet('machines'); }
});
// A chosen file is shown in the box before it is sent, so the operator sees what is imported.
$('#machine-import').file.addEventListener('change', async (ev) => {
  const file = ev.target.files[0];
  if (file) $('#machine-import').csv.value = await file.text();
});
$('#machine-import').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target; const csv = f.csv.value;
  if (!csv.trim()) { f.querySelector('.form-msg').textContent = 'paste the lines or choose a file first'; f.querySelector('.form-msg').className = 'form-msg bad'; return; }
  const r = await formAct(f, 'import machines', () => api('POST', '/api/v1/machines/import', { csv: csv, partial: true }));
  if (!r) return;
  $('#import-result').hidden = false;
  $('#import-summary').textContent = r.imported + ' machine' + (r.imported === 1 ? '' : 's') + ' added' + (r.refused.length ? ', ' + r.refused.length + ' line' + (r.refused.length === 1 ? '' : 's') + ' refused:' : ', none refused.');
  $('#import-summary').className = r.refused.length ? 'bad' : 'ok';
  $('#import-refused').hidden = r.refused.length === 0;
  fill('import-refused', r.refused, (x) => {
    const tr = document.createElement('tr'); tr.dataset.line = String(x.line);
    cell(tr, String(x.line)); cell(tr, x.name || '-'); cell(tr, x.code, 'bad'); noteCell(tr, x.message);
    return tr;
  });
  if (r.refused.length === 0) f.reset();
  loadFleet('machines');
});
// The image and collection lists of the New deployment form, kept on the operator's choice.
function fillDeploymentChoices() {
  const f = $('#deployment-add');
  const images = (lastSnapshot ? lastSnapshot.images : []).filter((i) => !i.broken).map((i) => i.name);
  for (const [select, names] of [[f.image, images], [f.collection, fleet.collections.map((c) => c.name)]]) {
    const was = select.value; select.textContent = '';
    for (const n of names) select.appendChild(el('option', n));
    if (names.includes(was)) select.value = was;
  }
  $('#deployment-add-hint').hidden = fleet.collections.length > 0;
}
function isoOf(local) { return local ? new Date(local).toISOString() : undefined; }
$('#deployment-add').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target; const name = f.name.value.trim();
  const body = { name: name, image: f.image.value, collection: f.collection.value, purpose: f.purpose.value, disk: f.disk.value.trim() || 'first-fixed', after: f.elements.after.value };
  // (f.elements: a form's "after" would be ChildNode.after where named controls do not shadow it.)
  // datetime-local is the browser's local time; the DP takes ISO 8601 with its zone.
  if (f.notBefore.value) body.notBefore = isoOf(f.notBefore.value);
  if (f.deadline.value) body.deadline = isoOf(f.deadline.value);
  if (await formAct(f, 'add deployment ' + name, () => api('POST', '/api/v1/deployments', body))) { f.reset(); loadFleet('deployments'); }
});
`;
