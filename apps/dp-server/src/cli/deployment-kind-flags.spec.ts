import { UsageError } from './api-args';
import { kindFlags } from './deployment-commands';

describe('deployment add --kind', () => {
  it.each<[string, Parameters<typeof kindFlags>, ReturnType<typeof kindFlags> | RegExp]>([
    ['deploy by default, with its image', [undefined, 'win11', undefined], { image: 'win11' }],
    ['--kind deploy, with its image', ['deploy', 'win11', undefined], { image: 'win11' }],
    ['capture with a pattern', ['capture', undefined, 'ref-{machine}'], { kind: 'capture', image: 'ref-{machine}' }],
    ['capture with the DP default name', ['capture', undefined, undefined], { kind: 'capture' }],
    ['deploy without --image', [undefined, undefined, undefined], /Missing required argument: image/],
    ['capture with --image', ['capture', 'win11', undefined], /name it with --image-name/],
    ['deploy with --image-name', [undefined, 'win11', 'x'], /--image-name is for --kind capture/],
  ])('%s', (_what, args, want) => {
    if (want instanceof RegExp) {
      expect(() => kindFlags(...args)).toThrow(UsageError);
      expect(() => kindFlags(...args)).toThrow(want);
    } else expect(kindFlags(...args)).toEqual(want);
  });
});
