// The dashboard: one HTML page with plain JS (no framework; the chart library is served by the DP
// from its installed package, assets.ts). It reads a token (admin, operator or viewer) from the URL
// fragment (#token=...) or a form, keeps it in sessionStorage, follows /api/v1/events
// (server-sent events) for the live view, and calls the REST API for the rest and for actions.
import { FLEET_HTML } from './page-fleet';
import { th } from './page-parts';
import { SCRIPT_CORE, SCRIPT_START } from './script-core';
import { SCRIPT_FLEET } from './script-fleet';
import { SCRIPT_FLEET_FORMS } from './script-fleet-forms';
import { SCRIPT_IMAGES } from './script-images';
import { SCRIPT_LIVE } from './script-live';
import { DASHBOARD_CSS } from './style';


const settingsFields = `
  <label>mode <select name="mode"><option>autocast</option><option>scheduled</option></select></label>
  <label>min clients <input name="minClients" type="number" min="1" style="width:5rem"></label>
  <label><input name="encrypt" type="checkbox"> encrypt</label>
  <label><input name="multicastOnly" type="checkbox"> multicast only</label>
  <label>slow clients <input name="slowPolicy" type="text" value="same-speed" style="width:9rem" title="same-speed, tiers or disconnect:KBPS"></label>`;

const LIVE = `
<section data-view="live">
<h2>Sessions</h2>
<form id="start-form" class="inline needs-operator"><label>Start a session of <select id="start-image"></select></label> <button type="submit">Start now</button></form>
<table id="sessions">${th(['id', 'image', 'state', 'mode', 'clients', 'start', 'elapsed', 'ETA', 'throughput', 'sent', 'note', ''])}</table>
<p id="sessions-empty" class="muted">No sessions yet.</p>
<div id="chart" hidden><div id="chart-title"></div><div id="chart-plot"></div></div>
<h2>Clients</h2>
<table id="clients">${th(['machine', 'MAC', 'IP', 'image', 'state', 'progress', 'rate', 'session', 'started', 'note'])}</table>
<p id="clients-empty" class="muted">No clients yet: an agent shows here once it asks for an image.</p>
<h2>Refused agent requests</h2>
<table id="refusals">${th(['time', 'address', 'host', 'image', 'refused', 'why'])}</table>
<p id="refusals-empty" class="muted">No agent request refused (the newest 500 are kept, across restarts).</p>
</section>`;

const IMAGES = `
<section data-view="images" hidden>
<h2>Images</h2>
<table id="images">${th(['name', 'size', 'mode', 'transfer', 'protection', 'slow clients', 'state', ''])}</table>
<p id="images-empty" class="muted">No images yet.</p>
<form id="image-edit" class="inline needs-admin" hidden><strong id="image-edit-title"></strong>${settingsFields} <button type="submit">Save</button> <button type="button" id="image-edit-cancel">Close</button></form>
<h2 class="needs-admin">Add an image</h2>
<form id="image-add" class="inline needs-admin">
  <label>name <input name="name" type="text" required pattern="[A-Za-z0-9][A-Za-z0-9._-]*" title="letters, digits, . _ - (not first)"></label>
  <label>file on the DP <input name="file" type="text" required placeholder="/srv/castpoint/images/win11.img" style="width:22rem"></label>
  ${settingsFields}
  <button type="submit">Add</button>
</form>
<div id="import-progress" hidden><progress id="import-bar" value="0" max="1"></progress> <span id="import-text">Reading the file</span></div>
</section>`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>castpoint distribution point</title>
<link rel="stylesheet" href="/assets/uplot.css">
<style>${DASHBOARD_CSS}</style>
</head>
<body>
<h1>castpoint distribution point</h1>
<div><span id="conn" class="muted">connecting</span> · <span id="updated" class="muted"></span> · role <span id="role">?</span> · <a href="/docs">API</a> · <a href="/metrics">metrics</a></div>
<p id="storage" class="bad" hidden></p>
<form id="login" hidden><label>Token (admin, operator or viewer) <input id="token" type="password" autocomplete="off"></label> <button>Open</button></form>
<nav><button data-view="live">Live</button> <button data-view="images">Images</button> <button data-view="machines">Machines</button> <button data-view="deployments">Deployments</button> <button data-view="history">History</button></nav>
<p id="notice" hidden></p>
${LIVE}${IMAGES}${FLEET_HTML}
<script src="/assets/uplot.js"></script>
<script>${SCRIPT_CORE}${SCRIPT_LIVE}${SCRIPT_IMAGES}${SCRIPT_FLEET}${SCRIPT_FLEET_FORMS}${SCRIPT_START}</script>
</body>
</html>
`;
