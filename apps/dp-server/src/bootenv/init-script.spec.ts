import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renderInit, renderUdhcpcScript, RUN_NOTHING_TO_DO } from './init-script';

const modules = ['/lib/modules/6.1/kernel/drivers/virtio/virtio_ring.ko', '/lib/modules/6.1/kernel/drivers/net/virtio_net.ko'];

/** `sh -n`: the script parses (a syntax error would leave a machine at a kernel panic). */
function syntaxOk(script: string): { ok: boolean; err: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'bootenv-init-'));
  try {
    const f = path.join(dir, 'init');
    writeFileSync(f, script);
    const r = spawnSync('sh', ['-n', f], { encoding: 'utf8' });
    return { ok: r.status === 0, err: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('renderInit', () => {
  const init = renderInit({ modules, label: '6.1.0-57-amd64 2026-12-06' });

  it('is a valid shell script', () => expect(syntaxOk(init)).toEqual({ ok: true, err: '' }));

  it('loads the modules in the order given', () => {
    const line = init.split('\n').find((l) => l.startsWith('for m in '));
    expect(line).toBe(`for m in '${modules[0]}' '${modules[1]}'; do`);
  });

  it('runs the agent `run`, and reboots into the disk on its "nothing to do" exit', () => {
    expect(init).toContain("'/opt/castpoint/castpoint-agent' run --json\n");
    expect(init).toMatch(new RegExp(`if \\[ "\\$rc" -eq ${RUN_NOTHING_TO_DO} \\]; then\\n\\s+say "nothing to do for this machine"\\n\\s+finish reboot`));
  });

  it('deploys castpoint.image with the kernel arguments when one is given', () => {
    expect(init).toMatch(/deploy --server "\$server" --image "\$image" --target "\$target" --token "\$token"/);
  });

  it('names the machine after its MAC when DHCP gave no host name (the DP refuses an empty one)', () => {
    expect(init).toContain('hostname "castpoint-$(tr -d : </sys/class/net/$lease/address)"');
  });

  it('quotes a module path with a quote in it', () => {
    const odd = renderInit({ modules: ["/lib/it's.ko"], label: 'x' });
    expect(syntaxOk(odd).ok).toBe(true);
    expect(odd).toContain(`'/lib/it'\\''s.ko'`);
  });

  it('keeps shell syntax out of the label', () => {
    expect(renderInit({ modules, label: '6.1 $(reboot) `x`' })).toContain('boot environment 6.1 reboot x"');
  });
});

describe('renderUdhcpcScript', () => {
  it('is a valid shell script that sets the address and the multicast route', () => {
    const s = renderUdhcpcScript();
    expect(syntaxOk(s).ok).toBe(true);
    expect(s).toContain('ip addr add "$ip/${mask:-24}" dev "$interface"');
    expect(s).toContain('ip route replace 224.0.0.0/4 dev "$interface"');
  });
});
