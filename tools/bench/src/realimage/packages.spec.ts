import { parseDependsOutput } from './packages';

describe('apt-cache depends output', () => {
  it('keeps the real packages, once each, and drops dependency lines and virtual packages', () => {
    const text = ['python3', '  Depends: python3.11', '  Depends: <python3-minimal>', 'python3.11', '  Depends: libc6', '<mailx>', 'libc6', 'python3', ''].join('\n');
    expect(parseDependsOutput(text)).toEqual(['libc6', 'python3', 'python3.11']);
  });
});
