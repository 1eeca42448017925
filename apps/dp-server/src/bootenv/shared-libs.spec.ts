import { parseLdd } from './shared-libs';

// `ldd /usr/bin/node` on Debian 12 (Node 20), and a library that is not found.
const NODE_LDD = `	linux-vdso.so.1 (0x00007f2b169be000)
	libdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f2b169a7000)
	libstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f2b16600000)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2b1641e000)
	/lib64/ld-linux-x86-64.so.2 (0x00007f2b169c0000)
`;

describe('parseLdd', () => {
  it('lists resolved libraries and the loader, not the vDSO', () => {
    expect(parseLdd(NODE_LDD)).toEqual({
      libs: ['/lib/x86_64-linux-gnu/libdl.so.2', '/lib/x86_64-linux-gnu/libstdc++.so.6', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2'],
      missing: [],
    });
  });

  it('reports libraries ldd cannot find', () => {
    expect(parseLdd('\tlibfoo.so.1 => not found\n').missing).toEqual(['libfoo.so.1']);
  });

  it('has nothing to copy for a static executable', () => {
    expect(parseLdd('\tnot a dynamic executable\n')).toEqual({ libs: [], missing: [] });
    expect(parseLdd('\tstatically linked\n')).toEqual({ libs: [], missing: [] });
  });
});
