// The page's script is plain JS in TypeScript strings: nothing compiles it before a browser does.
// These checks catch, in a unit test, a syntax slip and an element the script looks for that the
// HTML lacks (the browser tests in tests/integration find the rest).
import { Script } from 'node:vm';
import { DASHBOARD_HTML } from './page';

const inline = /<script>([\s\S]*?)<\/script>/.exec(DASHBOARD_HTML)?.[1] ?? '';

describe('the dashboard page script', () => {
  it('compiles', () => {
    expect(inline.length).toBeGreaterThan(1000);
    expect(() => new Script(inline, { filename: 'dashboard.js' })).not.toThrow();
  });

  it('finds in the HTML every element it names by id', () => {
    const ids = new Set([...DASHBOARD_HTML.matchAll(/\bid="([\w-]+)"/g)].map((m) => m[1]));
    const named = [...new Set([...inline.matchAll(/\$\('#([\w-]+)/g)].map((m) => m[1] ?? ''))];
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter((id) => !ids.has(id))).toEqual([]);
  });

  it('has the operator forms of the Machines and Deployments views, hidden from viewers', () => {
    for (const id of ['machine-add', 'machine-import', 'machine-edit', 'deployment-add']) {
      expect([id, new RegExp(`<form id="${id}" class="[^"]*needs-operator`).test(DASHBOARD_HTML)]).toEqual([id, true]);
    }
  });
});
