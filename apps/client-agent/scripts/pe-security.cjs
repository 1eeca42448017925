// Reads the security directory (Authenticode certificate table) of a PE file's optional header, so
// the package build can check the .exe it made carries no signature block. CommonJS without
// dependencies: package.mjs runs it under plain node, the spec requires it through jest.
// Layout: Microsoft PE format, "Optional Header Data Directories" (entry 4 = certificate table).
'use strict';

const PE32 = 0x10b;
const PE32_PLUS = 0x20b;
const SECURITY_ENTRY = 4;

/**
 * The certificate table's file offset and size from the first bytes of a PE file (4 KiB are
 * plenty); { offset: 0, size: 0 } when the file is unsigned.
 * @param {Buffer} head
 * @returns {{ offset: number, size: number }}
 */
function peSecurityDirectory(head) {
  if (head.length < 0x40 || head.readUInt16LE(0) !== 0x5a4d) throw new Error('not a PE file: no MZ header');
  const pe = head.readUInt32LE(0x3c);
  if (pe + 24 + 2 > head.length || head.readUInt32LE(pe) !== 0x00004550) throw new Error('not a PE file: no PE signature where the DOS header points');
  const opt = pe + 24;
  const magic = head.readUInt16LE(opt);
  if (magic !== PE32 && magic !== PE32_PLUS) throw new Error(`not a PE file: optional header magic 0x${magic.toString(16)}`);
  // The data directories follow NumberOfRvaAndSizes, at 92 (PE32) or 108 (PE32+) into the header.
  const count = opt + (magic === PE32_PLUS ? 108 : 92);
  if (count + 4 > head.length) throw new Error('PE header cut short');
  if (head.readUInt32LE(count) <= SECURITY_ENTRY) return { offset: 0, size: 0 };
  const entry = count + 4 + SECURITY_ENTRY * 8;
  if (entry + 8 > head.length) throw new Error('PE header cut short');
  return { offset: head.readUInt32LE(entry), size: head.readUInt32LE(entry + 4) };
}

module.exports = { peSecurityDirectory };
