// The dashboard's CSS. Notes are cut to their column (the whole text in a tooltip) so that a long
// error message never squeezes the other columns; controls a role may not use are hidden.

export const DASHBOARD_CSS = `
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
  h1 { font-size: 1.3rem; margin: 0 0 .3rem; } h2 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
  nav { margin: .8rem 0; } nav button { font: inherit; padding: .3rem .8rem; border: 1px solid #ccc; background: #f6f8fa; cursor: pointer; }
  nav button.current { background: #0550ae; color: #fff; border-color: #0550ae; }
  table { border-collapse: collapse; width: 100%; table-layout: auto; } th, td { text-align: left; padding: .25rem .6rem; border-bottom: 1px solid #ddd; white-space: nowrap; }
  th { background: #f4f4f4; } .ok { color: #196c2e; } .bad { color: #a40e26; } .muted { color: #777; } .mono { font-family: ui-monospace, monospace; font-size: 12px; }
  td.note { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 22rem; width: 100%; }
  td.cut { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 16rem; }
  .state { font-weight: 600; } .state-done { color: #196c2e; } .state-failed, .state-cancelled { color: #a40e26; } .state-fallback { color: #9a6700; }
  .state-receiving, .state-running { color: #0550ae; } .state-repairing { color: #8250df; } .state-waiting { color: #777; }
  tr[data-broken] td:first-child { color: #a40e26; font-weight: 600; }
  progress { width: 9rem; vertical-align: middle; }
  td.actions button { margin-right: .3rem; }
  form.inline { margin: .5rem 0; display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
  form.inline input[type=text] { width: 12rem; }
  #chart { border: 1px solid #ddd; padding: .4rem; margin-top: .6rem; } #chart-title { font-weight: 600; margin-bottom: .2rem; }
  #notice { margin: .4rem 0; }
  /* The hidden attribute must win over form.inline's display: flex (a closed edit form stayed visible). */
  [hidden] { display: none !important; }
  .form-msg { white-space: pre-line; } .state-unknown { color: #9a6700; font-weight: 600; } .state-known { color: #196c2e; }
  #machine-import textarea { width: 100%; max-width: 48rem; font-family: ui-monospace, monospace; font-size: 12px; display: block; }
  #import-result { margin: .5rem 0; } #import-refused { max-width: 70rem; }
  body[data-role="viewer"] .needs-operator, body[data-role="viewer"] .needs-admin, body[data-role="operator"] .needs-admin { display: none; }
`;
