import { exitHandsBackToUefi, ipxeBuildOf, uefiExitWarning } from './ipxe-build';

/** A boot file's bytes: the text among binary bytes, as in a PE or a PXE image. */
function fileWith(text: string): Uint8Array {
  const junk = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 256);
  return Buffer.concat([junk, Buffer.from(`\0${text}\0`, 'latin1'), junk]);
}

describe('ipxeBuildOf', () => {
  it.each([
    ['Debian 12 (bare version string)', '1.0.0+git-20190125.36a4c85-5.1', { version: '1.0.0+git-20190125.36a4c85-5.1', major: 1, minor: 0 }],
    ['Debian 13 (SBAT line)', 'ipxe,1,iPXE,ipxe.efi,1.21.1+git20250501.dad20602+dfsg-1,https://ipxe.org', { version: '1.21.1+git20250501.dad20602+dfsg-1', major: 1, minor: 21 }],
    ['an upstream build', 'iPXE 1.21.1+ (gfbbdc) -- Open Source', { version: '1.21.1+ (gfbbdc)', major: 1, minor: 21 }],
    ['iPXE 2', 'ipxe,1,iPXE,snponly.efi,2.0.0+ (g8796d),https://ipxe.org', { version: '2.0.0+ (g8796d)', major: 2, minor: 0 }],
  ])('reads %s', (_what, text, want) => {
    expect(ipxeBuildOf(fileWith(text))).toEqual(want);
  });

  it('finds none in a file that names no iPXE build (an IP address or a plain number is not one)', () => {
    expect(ipxeBuildOf(fileWith('10.0.0.1 and 1.2.3 and 4.5.6+x'))).toBeUndefined();
    expect(ipxeBuildOf(new Uint8Array(0))).toBeUndefined();
  });
});

describe('uefiExitWarning', () => {
  it('warns for builds before 1.21 only, naming the file, its version and what to do', () => {
    const old = ipxeBuildOf(fileWith('1.0.0+git-20190125.36a4c85-5.1'));
    expect(uefiExitWarning('ipxe.efi', old)).toMatch(/^boot service: ipxe.efi is iPXE 1.0.0\+git-20190125.36a4c85-5.1 \(older than 1.21\).*disk first.*--ipxe-dir/);
    expect(uefiExitWarning('ipxe.efi', { version: '1.21.1', major: 1, minor: 21 })).toBeUndefined();
    expect(uefiExitWarning('ipxe.efi', undefined)).toBeUndefined();
    expect([{ major: 1, minor: 20 }, { major: 1, minor: 21 }, { major: 2, minor: 0 }].map((b) => exitHandsBackToUefi({ version: '', ...b }))).toEqual([false, true, true]);
  });
});
