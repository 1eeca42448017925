import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BootenvError } from '../bootenv/errors';
import { UsageError } from './api-args';
import { bootenvBuild, formatBootenvReport } from './bootenv-command';
import type { CliIo } from './io';

const io: CliIo = { out: () => undefined, err: () => undefined, errIsTty: false, now: () => 0, every: () => () => undefined };

describe('castpoint-dp bootenv build', () => {
  it('needs --out or a data directory', () => {
    expect(() => bootenvBuild({}, io, {})).toThrow(UsageError);
    expect(() => bootenvBuild({}, io, {})).toThrow(/--out DIR, or --data-dir DIR/);
  });

  it('refuses a missing agent executable before downloading or writing anything', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bootenv-cli-'));
    try {
      let err: unknown;
      try {
        bootenvBuild({ 'data-dir': dir, agent: path.join(dir, 'no-agent') }, io, {});
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BootenvError);
      expect((err as BootenvError).code).toBe('BOOTENV_AGENT_MISSING');
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prints the sizes and the RAM needed', () => {
    const text = formatBootenvReport({
      kernelPackage: 'linux-image-6.1.0-57-amd64', kernelVersion: '6.1.0-57-amd64', modules: ['a.ko'], kernel: '/b/vmlinuz', initrd: '/b/initrd.img',
      kernelBytes: 8_200_000, initrdBytes: 39_900_000, unpackedBytes: 115_000_000, agentBytes: 99_600_000, ramMiB: 448, builtAt: '2026-12-06T00:00:00Z',
    });
    expect(text).toContain('kernel      /b/vmlinuz  8.2 MB');
    expect(text).toContain('initramfs   /b/initrd.img  39.9 MB (115.0 MB unpacked, agent 99.6 MB)');
    expect(text).toContain('RAM needed  448 MiB');
  });
});
