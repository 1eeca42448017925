import { SerialLog } from './serial-log';

describe('SerialLog', () => {
  it('stamps each complete line with the seconds since power-on, across chunk boundaries', () => {
    const log = new SerialLog(1000);
    expect(log.feed('Seabios\r\nBoot', 1500)).toEqual([{ t: 0.5, text: 'Seabios' }]);
    expect(log.feed('ing from ROM\n', 3000)).toEqual([{ t: 2, text: 'Booting from ROM' }]);
    expect(log.find(/ROM/)?.t).toBe(2);
  });

  it('drops terminal control sequences and empty lines', () => {
    const log = new SerialLog(0);
    log.feed('\x1bc\x1b[?7l\x1b[2Jcastpoint[16.7]: boot\n\r\n', 100);
    expect(log.lines).toEqual([{ t: 0.1, text: 'castpoint[16.7]: boot' }]);
    expect(log.format()).toBe('[   0.1] castpoint[16.7]: boot');
  });
});
