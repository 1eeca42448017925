import { bootScriptAnswers, dhcpReplies, dpBootFlags, outcomesOf, tftpTransfers } from './vm-pxe';

describe('dpBootFlags', () => {
  it('makes the DP the lab LAN\'s DHCP server from .100 to .199 of its subnet, with the built boot environment', () => {
    expect(dpBootFlags('10.78.0.1', '/cache/bootenv')).toEqual(['--boot', '--dhcp-range', '10.78.0.100,10.78.0.199', '--bootenv', '/cache/bootenv']);
    expect(() => dpBootFlags('fd00::1', '/b')).toThrow(RangeError);
  });
});

describe('bootScriptAnswers', () => {
  // The DP's log as pino writes it: one JSON record per line, other records and stray text between.
  const log = [
    '{"level":30,"time":1765011000000,"pid":1,"msg":"castpoint-dp listening","url":"http://10.78.0.1:8080"}',
    '{"level":30,"time":1765011010000,"reqId":"req-1","mac":"52:54:00:c9:00:01","machine":"vm1","action":"deploy","outcome":"bootenv","msg":"boot script"}',
    'not json "boot script"',
    '{"level":30,"time":1765011011000,"reqId":"req-2","mac":"52:54:00:c9:00:02","machine":null,"action":"conflict","outcome":"exit","msg":"boot script"}',
    '{"level":30,"time":1765011012000,"mac":"52:54:00:c9:00:01","msg":"boot script"}',
    '{"level":30,"time":1765011090000,"reqId":"req-9","mac":"52:54:00:c9:00:01","machine":"vm1","action":"none","outcome":"exit","msg":"boot script"}',
  ].join('\n');

  it('reads every /boot/ipxe answer in order, skipping other records, stray lines and records without an outcome', () => {
    expect(bootScriptAnswers(log)).toEqual([
      { mac: '52:54:00:c9:00:01', machine: 'vm1', outcome: 'bootenv', time: 1765011010000 },
      { mac: '52:54:00:c9:00:02', machine: null, outcome: 'exit', time: 1765011011000 },
      { mac: '52:54:00:c9:00:01', machine: 'vm1', outcome: 'exit', time: 1765011090000 },
    ]);
  });

  it('gives one MAC\'s outcomes, whatever the case of the MAC asked for', () => {
    const answers = bootScriptAnswers(log);
    expect(outcomesOf(answers, '52:54:00:C9:00:01')).toEqual(['bootenv', 'exit']);
    expect(outcomesOf(answers, '52:54:00:c9:00:03')).toEqual([]);
  });
});

describe('dhcpReplies and tftpTransfers', () => {
  // A UEFI VM's boot as the DP logged it (records cut from a real run, other records between).
  const log = [
    '{"level":30,"time":1796559562454,"pid":18191,"hostname":"vm","mac":"52:54:00:c9:00:01","what":"lease-offer","file":"ipxe.efi","address":"10.78.0.100","arch":{"kind":"efi-x64"},"ipxe":false,"msg":"boot: DHCP reply"}',
    '{"level":40,"time":1796559566795,"pid":18191,"hostname":"vm","peer":"10.78.0.100","file":"ipxe.efi","reason":"client error 8: User aborted the transfer","msg":"TFTP transfer failed"}',
    '{"level":30,"time":1796559567725,"pid":18191,"hostname":"vm","peer":"10.78.0.100","file":"ipxe.efi","bytes":850528,"blksize":1468,"timeoutMs":1000,"msg":"TFTP transfer done"}',
    'not json "boot: DHCP reply"',
    '{"level":30,"time":1796559574749,"pid":18191,"hostname":"vm","mac":"52:54:00:c9:00:01","what":"lease-offer","file":"http://10.78.0.1:8080/boot/ipxe?mac=${netX/mac}&uuid=${uuid}","address":"10.78.0.100","arch":{"kind":"efi-x64"},"ipxe":true,"msg":"boot: DHCP reply"}',
    '{"level":30,"time":1796559615659,"pid":18191,"hostname":"vm","mac":"52:54:00:c9:00:01","what":"lease-ack","file":null,"address":"10.78.0.100","arch":null,"ipxe":false,"msg":"boot: DHCP reply"}',
  ].join('\n');

  it('reads each DHCP reply with its file, address, architecture and iPXE flag', () => {
    expect(dhcpReplies(log)).toEqual([
      { mac: '52:54:00:c9:00:01', what: 'lease-offer', file: 'ipxe.efi', address: '10.78.0.100', arch: 'efi-x64', ipxe: false },
      { mac: '52:54:00:c9:00:01', what: 'lease-offer', file: 'http://10.78.0.1:8080/boot/ipxe?mac=${netX/mac}&uuid=${uuid}', address: '10.78.0.100', arch: 'efi-x64', ipxe: true },
      { mac: '52:54:00:c9:00:01', what: 'lease-ack', file: null, address: '10.78.0.100', arch: null, ipxe: false },
    ]);
  });

  it('reads only the finished TFTP transfers (the firmware aborts its size probe)', () => {
    expect(tftpTransfers(log)).toEqual([{ peer: '10.78.0.100', file: 'ipxe.efi', bytes: 850528 }]);
  });
});
