// The Machines, Deployments and History views' HTML. The forms are the operator's (hidden from a
// viewer, refused by the API anyway): add, import, rename and approve machines; add deployments.
// Each form has its own message line, so a refusal (a MAC another machine holds, named) shows
// beside the fields it is about.
import { th } from './page-parts';

const NAME = 'required pattern="[A-Za-z0-9][A-Za-z0-9._-]*" maxlength="63" title="letters, digits, . _ - (not first)"';

const MACHINES = `
<section data-view="machines" hidden>
<h2>Machines</h2>
<form id="machine-filter" class="inline"><label>show <select name="state"><option value="">all machines</option><option value="unknown">unknown machines (waiting for approval)</option></select></label> <span id="machines-count" class="muted"></span></form>
<table id="machines">${th(['name', 'state', 'MAC', 'IP', 'model', 'last seen', 'now', 'last deployment', 'result', 'start', 'duration', ''])}</table>
<p id="machines-empty" class="muted">No machines yet: they register when their agent first asks (castpoint-agent run), or add them below.</p>
<form id="machine-edit" class="inline needs-operator" hidden><strong id="machine-edit-title"></strong>
  <label>name <input name="name" type="text" ${NAME}></label> <button type="submit">Save</button> <button type="button" id="machine-edit-cancel">Close</button> <span class="form-msg"></span></form>
<h2 class="needs-operator">Add a machine</h2>
<form id="machine-add" class="inline needs-operator">
  <label>name <input name="name" type="text" ${NAME}></label>
  <label>MAC <input name="mac" type="text" required placeholder="52:54:00:12:34:56" style="width:10rem"></label>
  <label>SMBIOS UUID (optional) <input name="uuid" type="text" placeholder="4c4c4544-0042-..." style="width:19rem"></label>
  <button type="submit">Add</button> <span class="form-msg"></span>
</form>
<h2 class="needs-operator">Import machines (CSV)</h2>
<form id="machine-import" class="needs-operator">
  <textarea name="csv" rows="4" placeholder="name,mac[,uuid] per line, e.g. lab-pc-07,52:54:00:12:34:56"></textarea>
  <div class="inline"><label>or a file <input name="file" type="file" accept=".csv,text/csv,text/plain"></label> <button type="submit">Import</button> <span class="form-msg"></span></div>
</form>
<div id="import-result" hidden><p id="import-summary"></p>
<table id="import-refused">${th(['line', 'name', 'refused', 'why'])}</table></div>
</section>`;

const DEPLOYMENTS = `
<section data-view="deployments" hidden>
<h2>Deployments</h2>
<table id="deployments">${th(['name', 'image', 'collection', 'purpose', 'disk', 'after', 'window', 'results', ''])}</table>
<p id="deployments-empty" class="muted">No deployments yet.</p>
<h2 class="needs-operator">New deployment</h2>
<form id="deployment-add" class="inline needs-operator">
  <label>name <input name="name" type="text" ${NAME}></label>
  <label>image <select name="image" required></select></label>
  <label>collection <select name="collection" required></select></label>
  <label>purpose <select name="purpose"><option value="required">required (runs when the machine next asks)</option><option value="available">available (chosen at the machine)</option></select></label>
  <label>disk <input name="disk" type="text" value="first-fixed" style="width:9rem" title="first-fixed, serial:X, wwn:X, model:GLOB, size:MIN-MAX or path:/dev/X"></label>
  <label>after <select name="after"><option>reboot</option><option>poweroff</option><option>none</option></select></label>
  <label>not before <input name="notBefore" type="datetime-local"></label>
  <label>deadline <input name="deadline" type="datetime-local"></label>
  <button type="submit">Add</button> <span class="form-msg"></span>
</form>
<p id="deployment-add-hint" class="muted needs-operator" hidden>No collection yet: make one with castpoint-dp collection add NAME [--rule ...] (and add-member), then deploy to it here.</p>
</section>`;

const HISTORY = `
<section data-view="history" hidden>
<h2>History</h2>
<form id="history-filter" class="inline">
  <label>machine <input name="machine" type="text"></label> <label>deployment <input name="deployment" type="text"></label>
  <label>since <input name="since" type="datetime-local"></label>
  <label>result <select name="result"><option value="">any</option><option value="ok">ok</option><option value="failed">not ok</option></select></label>
  <button type="submit">Show</button>
</form>
<table id="history">${th(['machine', 'deployment', 'image', 'start', 'end', 'duration', 'result', 'bytes', 'transport', 'exit', 'message'])}</table>
<p id="history-empty" class="muted">No attempts match.</p>
</section>`;

export const FLEET_HTML = MACHINES + DEPLOYMENTS + HISTORY;
