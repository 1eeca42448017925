// DHCP codec: bytes <-> DhcpMessage. decodeDhcp never throws (every length is checked before it is
// read); encodeDhcp throws a NetbootError for a value it cannot represent.
import { fail, NetbootError, type Decoded } from './errors';
import {
  BOOTP_HEADER_SIZE,
  bytesToIpv4,
  DhcpOption,
  ipv4ToBytes,
  MAGIC_COOKIE,
  MAX_DHCP_SIZE,
  MIN_DHCP_SIZE,
  type DhcpMessage,
  type DhcpOptionEntry,
} from './dhcp-message';

const OFF = { op: 0, htype: 1, hlen: 2, hops: 3, xid: 4, secs: 8, flags: 10, ciaddr: 12, yiaddr: 16, siaddr: 20, giaddr: 24, chaddr: 28, sname: 44, file: 108 } as const;
const SNAME_SIZE = 64;
const FILE_SIZE = 128;
const BROADCAST_FLAG = 0x8000;

export function decodeDhcp(bytes: Uint8Array): Decoded<DhcpMessage> {
  if (bytes.length > MAX_DHCP_SIZE) return fail('too-large', `DHCP datagram of ${bytes.length} bytes`, { value: bytes.length, expected: MAX_DHCP_SIZE });
  const fixed = BOOTP_HEADER_SIZE + MAGIC_COOKIE.length;
  if (bytes.length < fixed) return fail('short', `DHCP datagram of ${bytes.length} bytes`, { value: bytes.length, expected: fixed });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const opByte = bytes[OFF.op] ?? 0;
  if (opByte !== 1 && opByte !== 2) return fail('bad-op', `BOOTP op ${opByte}`, { field: 'op', value: opByte, expected: '1 or 2' });
  const hlen = bytes[OFF.hlen] ?? 0;
  if (hlen > 16) return fail('bad-hlen', `hardware address length ${hlen}`, { field: 'hlen', value: hlen, expected: 16 });
  for (let i = 0; i < MAGIC_COOKIE.length; i++) {
    if (bytes[BOOTP_HEADER_SIZE + i] !== MAGIC_COOKIE[i]) return fail('bad-cookie', 'no DHCP magic cookie after the BOOTP header', { field: 'cookie' });
  }
  const options = decodeOptions(bytes, fixed);
  if (!options.ok) return options;
  const flags = view.getUint16(OFF.flags);
  return {
    ok: true,
    value: {
      op: opByte === 1 ? 'request' : 'reply',
      htype: bytes[OFF.htype] ?? 0,
      hops: bytes[OFF.hops] ?? 0,
      xid: view.getUint32(OFF.xid),
      secs: view.getUint16(OFF.secs),
      broadcast: (flags & BROADCAST_FLAG) !== 0,
      ciaddr: bytesToIpv4(bytes, OFF.ciaddr),
      yiaddr: bytesToIpv4(bytes, OFF.yiaddr),
      siaddr: bytesToIpv4(bytes, OFF.siaddr),
      giaddr: bytesToIpv4(bytes, OFF.giaddr),
      chaddr: bytes.slice(OFF.chaddr, OFF.chaddr + hlen),
      sname: cString(bytes, OFF.sname, SNAME_SIZE),
      file: cString(bytes, OFF.file, FILE_SIZE),
      options: options.value,
    },
  };
}

function decodeOptions(bytes: Uint8Array, start: number): Decoded<DhcpOptionEntry[]> {
  const out: DhcpOptionEntry[] = [];
  let at = start;
  while (at < bytes.length) {
    const code = bytes[at] ?? 0;
    if (code === DhcpOption.end) return { ok: true, value: out };
    if (code === DhcpOption.pad) {
      at++;
      continue;
    }
    const len = bytes[at + 1];
    if (len === undefined || at + 2 + len > bytes.length) {
      return fail('bad-option', `option ${code} runs past the end of the datagram`, { field: `option ${code}`, value: len ?? -1, expected: Math.max(0, bytes.length - at - 2) });
    }
    out.push({ code, data: bytes.slice(at + 2, at + 2 + len) });
    at += 2 + len;
  }
  return fail('bad-option', 'the options end without the End option (255)', { field: 'end' });
}

/** A NUL-terminated field; bytes outside printable ASCII make it unreadable, so it reads as empty. */
function cString(bytes: Uint8Array, at: number, size: number): string {
  let end = at;
  while (end < at + size && bytes[end] !== 0) end++;
  const field = bytes.subarray(at, end);
  return field.every((b) => b >= 0x20 && b < 0x7f) ? String.fromCharCode(...field) : '';
}

export function encodeDhcp(msg: DhcpMessage): Uint8Array {
  const optionBytes = msg.options.reduce((n, o) => n + 2 + o.data.length, 0) + 1;
  const size = Math.max(MIN_DHCP_SIZE, BOOTP_HEADER_SIZE + MAGIC_COOKIE.length + optionBytes);
  if (size > MAX_DHCP_SIZE) throw new NetbootError('too-large', `DHCP message of ${size} bytes`, { value: size, expected: MAX_DHCP_SIZE });
  if (msg.chaddr.length > 16) throw new NetbootError('bad-hlen', `chaddr of ${msg.chaddr.length} bytes`, { field: 'chaddr', value: msg.chaddr.length, expected: 16 });
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out[OFF.op] = msg.op === 'request' ? 1 : 2;
  out[OFF.htype] = msg.htype;
  out[OFF.hlen] = msg.chaddr.length;
  out[OFF.hops] = msg.hops;
  view.setUint32(OFF.xid, msg.xid);
  view.setUint16(OFF.secs, msg.secs);
  view.setUint16(OFF.flags, msg.broadcast ? BROADCAST_FLAG : 0);
  for (const [field, at] of [['ciaddr', OFF.ciaddr], ['yiaddr', OFF.yiaddr], ['siaddr', OFF.siaddr], ['giaddr', OFF.giaddr]] as const) {
    const ip = ipv4ToBytes(msg[field]);
    if (!ip) throw new NetbootError('bad-field', `${field} "${msg[field]}" is not an IPv4 address`, { field, value: msg[field] });
    out.set(ip, at);
  }
  out.set(msg.chaddr, OFF.chaddr);
  putCString(out, OFF.sname, SNAME_SIZE, msg.sname, 'sname');
  putCString(out, OFF.file, FILE_SIZE, msg.file, 'file');
  out.set(MAGIC_COOKIE, BOOTP_HEADER_SIZE);
  let at = BOOTP_HEADER_SIZE + MAGIC_COOKIE.length;
  for (const o of msg.options) {
    if (o.code === DhcpOption.pad || o.code === DhcpOption.end || o.code > 255 || o.code < 0) {
      throw new NetbootError('bad-field', `option code ${o.code} cannot carry data`, { field: 'option', value: o.code });
    }
    if (o.data.length > 255) throw new NetbootError('bad-field', `option ${o.code} holds ${o.data.length} bytes`, { field: `option ${o.code}`, value: o.data.length, expected: 255 });
    out[at] = o.code;
    out[at + 1] = o.data.length;
    out.set(o.data, at + 2);
    at += 2 + o.data.length;
  }
  out[at] = DhcpOption.end;
  return out;
}

function putCString(out: Uint8Array, at: number, size: number, text: string, field: string): void {
  // One byte is kept for the terminating NUL.
  if (text.length >= size || !/^[\x20-\x7e]*$/.test(text)) {
    throw new NetbootError('bad-field', `${field} must be printable ASCII under ${size} bytes`, { field, value: text.slice(0, 40), expected: size - 1 });
  }
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
}
