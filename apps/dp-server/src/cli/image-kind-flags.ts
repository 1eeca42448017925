// `image add --kind disk|wim [--index N]` (a contract, issue 27) turned into the API's fields.
import type { ImageContentInput } from '../images/image-content';
import { usage } from './api-args';

export interface ImageKindFlags {
  kind?: string | undefined;
  index?: string | undefined;
}

/** Said before the DP is asked: a kind it does not know, an index that is no number or without wim. */
export function kindInput(f: ImageKindFlags): ImageContentInput {
  if (f.kind !== undefined && f.kind !== 'disk' && f.kind !== 'wim') throw usage(`--kind: expected disk or wim (got ${JSON.stringify(f.kind)})`);
  if (f.index === undefined) return f.kind !== undefined ? { kind: f.kind } : {};
  if (f.kind !== 'wim') throw usage('--index names an image inside a WIM: it needs --kind wim');
  if (!/^[1-9]\d{0,5}$/.test(f.index)) throw usage(`--index: expected the image's number in the WIM, 1 or more (got ${JSON.stringify(f.index)})`);
  return { kind: 'wim', wimIndex: Number(f.index) };
}
