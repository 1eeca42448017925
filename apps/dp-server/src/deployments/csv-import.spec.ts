import { isCastpointError } from '@castpoint/wire';
import { parseMachineCsv, type CsvLineError } from './csv-import';

function lineErrors(text: string): CsvLineError[] {
  try {
    parseMachineCsv(text);
  } catch (err) {
    if (isCastpointError(err, 'DP_BAD_CSV')) return (err.data as { errors: CsvLineError[] }).errors;
    throw err;
  }
  throw new Error('expected DP_BAD_CSV');
}

describe('parseMachineCsv', () => {
  it('reads name,mac[,uuid] with a header, comments, blank lines and CRLF', () => {
    const text = 'name,mac,uuid\r\n# lab A\r\nlab-01, 52-54-00-00-00-01 ,4C4C4544-0042-3510-8052-B4C04F4E4D32\r\n\r\nlab-02,525400000002\n';
    expect(parseMachineCsv(text)).toEqual([
      { line: 3, name: 'lab-01', mac: '52:54:00:00:00:01', uuid: '4c4c4544-0042-3510-8052-b4c04f4e4d32' },
      { line: 5, name: 'lab-02', mac: '52:54:00:00:00:02', uuid: null },
    ]);
  });

  it('lists every bad line with its reason and imports nothing', () => {
    const text = ['lab-01,52:54:00:00:00:01', 'lab-02', 'lab 03,52:54:00:00:00:03', 'lab-04,zz:54:00:00:00:04', 'lab-05,52:54:00:00:00:05,not-a-uuid', 'lab-01,52:54:00:00:00:06', 'lab-07,52-54-00-00-00-01', 'a,b,c,d'].join('\n');
    expect(lineErrors(text)).toEqual([
      { line: 2, message: 'expected name,mac[,uuid], got 1 field(s)' },
      { line: 3, message: 'name "lab 03" must be 1-63 letters, digits, dots, dashes or underscores' },
      { line: 4, message: '"zz:54:00:00:00:04" is not a MAC address' },
      { line: 5, message: '"not-a-uuid" is not a UUID' },
      { line: 6, message: 'name lab-01 is already on line 1' },
      { line: 7, message: 'MAC 52:54:00:00:00:01 is already on line 1' },
      { line: 8, message: 'expected name,mac[,uuid], got 4 field(s)' },
    ]);
  });

  it('puts the bad lines in the message an operator reads', () => {
    expect(() => parseMachineCsv('x,1\n')).toThrow(/1 bad line\(s\), nothing imported:\nline 1: "1" is not a MAC address/);
  });
});
