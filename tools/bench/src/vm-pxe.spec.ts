import { bootScriptAnswers, dpBootFlags, outcomesOf } from './vm-pxe';

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
