// `image add --used-blocks`: the file is a whole disk (a dd of a reference machine); its partition
// table and filesystems say which bytes hold data (libs/diskmap), and the rest becomes unused
// chunks that are never sent or written.
import { open } from 'node:fs/promises';
import type { UsedBlockMap } from '@castpoint/chunking';
import { mapDisk } from '@castpoint/diskmap';
import { DpError } from '../errors';

export async function mapImageFile(path: string, size: number): Promise<UsedBlockMap> {
  const fh = await open(path, 'r').catch((err: unknown) => {
    throw new DpError('DP_IMAGE_FILE', `cannot read ${path}: ${(err as Error).message}`, { file: path }, { cause: err });
  });
  try {
    const map = await mapDisk(async (offset, length) => {
      const buf = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    }, size);
    return { used: map.used, source: map.source, reasons: map.reasons };
  } finally {
    await fh.close();
  }
}
