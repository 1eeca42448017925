import { validateCaptureOptions } from './capture-options';

const ctx = { env: {}, stdoutIsTty: true, cwd: '/work' };
const ok = { source: '/dev/sdb', server: 'http://10.0.0.5:8080', name: 'win11-ref' };

describe('validateCaptureOptions', () => {
  it('takes the issue\'s options, the token from the environment, 1 MiB chunks by default', () => {
    expect(validateCaptureOptions(ok, { ...ctx, env: { CASTPOINT_TOKEN: 'adm' } })).toEqual({
      source: '/dev/sdb',
      server: 'http://10.0.0.5:8080',
      name: 'win11-ref',
      token: 'adm',
      chunkSize: 1048576,
      output: 'tty',
    });
    expect(validateCaptureOptions({ ...ok, source: 'disk.img', token: 't', chunkSize: '65536', json: true }, ctx)).toMatchObject({ source: '/work/disk.img', token: 't', chunkSize: 65536, output: 'json' });
  });

  it.each([
    [{ source: undefined }, /--source is required/],
    [{ name: '../etc' }, /--name must be/],
    [{ server: 'ftp://x' }, /--server must be an http/],
    [{ chunkSize: '1000' }, /--chunk-size must be a multiple of 512/],
  ])('refuses %j', (change, msg) => {
    expect(() => validateCaptureOptions({ ...ok, ...change }, ctx)).toThrow(msg);
  });
});
