// The Images view's script: the list (broken images marked), add (with the import's progress),
// edit settings, remove. Admin only for the actions; the DP refuses them to others anyway.

export const SCRIPT_IMAGES = String.raw`
function imageSettingsFromForm(f, forPatch) {
  const out = { mode: f.mode.value, encrypt: f.encrypt.checked, multicastOnly: f.multicastOnly.checked, slowPolicy: f.slowPolicy.value.trim() || 'same-speed' };
  const min = f.minClients.value.trim();
  if (out.mode === 'scheduled') { if (min) out.minClients = Number(min); else if (forPatch) out.minClients = null; }
  else if (forPatch) out.minClients = null;
  return out;
}
let importTimer;
function watchImport(name) {
  const p = $('#import-progress');
  p.hidden = false;
  clearInterval(importTimer);
  importTimer = setInterval(async () => {
    let list = [];
    try { list = await api('GET', '/api/v1/imports'); } catch (e) { return; }
    const mine = list.find((i) => i.name === name);
    if (!mine) return;
    $('#import-bar').max = mine.size || 1; $('#import-bar').value = mine.bytesDone;
    $('#import-text').textContent = 'Reading ' + name + ': ' + fmtBytes(mine.bytesDone) + ' of ' + fmtBytes(mine.size) + ' (' + (mine.size ? Math.floor(mine.bytesDone * 100 / mine.size) : 0) + '%)';
  }, 500);
}
function stopImport() { clearInterval(importTimer); $('#import-progress').hidden = true; }
$('#image-add').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const name = f.name.value.trim();
  const body = Object.assign({ name: name, file: f.file.value.trim() }, imageSettingsFromForm(f, false));
  if (body.mode !== 'scheduled') delete body.minClients;
  f.querySelector('button[type=submit]').disabled = true;
  watchImport(name);
  const done = await act('add image ' + name, () => api('POST', '/api/v1/images', body));
  stopImport();
  f.querySelector('button[type=submit]').disabled = false;
  if (done) f.reset();
});
function editImage(i) {
  const f = $('#image-edit');
  f.hidden = false; f.dataset.image = i.name;
  $('#image-edit-title').textContent = 'Settings of ' + i.name;
  f.mode.value = i.mode; f.minClients.value = i.minClients === null ? '' : String(i.minClients);
  f.encrypt.checked = i.encrypt; f.multicastOnly.checked = i.multicastOnly; f.slowPolicy.value = i.slowPolicy;
}
$('#image-edit').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target; const name = f.dataset.image;
  const s = imageSettingsFromForm(f, true);
  if (s.mode !== 'scheduled') delete s.minClients;
  if (await act('change image ' + name, () => api('PATCH', '/api/v1/images/' + encodeURIComponent(name), s))) f.hidden = true;
});
$('#image-edit-cancel').addEventListener('click', () => { $('#image-edit').hidden = true; });
views.images = {
  render(s) {
    fill('images', s.images, (i) => {
      const tr = document.createElement('tr'); tr.dataset.image = i.name; if (i.broken) tr.dataset.broken = 'yes';
      cell(tr, i.name); cell(tr, fmtBytes(i.size));
      cell(tr, i.mode + (i.mode === 'scheduled' && i.minClients ? ' (' + i.minClients + ' clients)' : ''));
      cell(tr, i.multicastOnly ? 'multicast only' : 'unicast fallback'); cell(tr, i.encrypt ? 'AES-GCM' : 'HMAC'); cell(tr, i.slowPolicy);
      if (i.broken) { const td = noteCell(tr, 'broken: ' + i.broken); td.classList.add('bad'); } else cell(tr, 'ok', 'ok');
      const td = cell(tr, '', 'actions');
      td.appendChild(button('Edit', 'needs-admin edit', () => editImage(i)));
      td.appendChild(button('Remove', 'needs-admin remove', () => {
        if (confirm('Remove image ' + i.name + '? The file stays on disk.')) act('remove image ' + i.name, () => api('DELETE', '/api/v1/images/' + encodeURIComponent(i.name)));
      }));
      return tr;
    });
  },
};
`;
