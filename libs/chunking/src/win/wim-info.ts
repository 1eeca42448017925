// What a WIM file says about itself, read from its header and its XML data: how many images it
// holds and how many bytes each expands to. Pure over a read function (no fs here), so the DP can
// check `image add --kind wim --index N` before importing and the agent can size the disk before a
// byte is written. Layout: [MS-WIM] / wimlib's include/wimlib/header.h.
import { ChunkingError } from '../errors';

/** "MSWIM\0\0\0": a standard WIM. A pipable WIM ("WLPWM\0\0\0") cannot be applied by DISM. */
const WIM_MAGIC = Buffer.from('MSWIM\0\0\0', 'latin1');
const PIPABLE_MAGIC = Buffer.from('WLPWM\0\0\0', 'latin1');
/** The header is 208 bytes; its XML resource header sits at offset 72 (size 7 bytes, flags, offset, original size). */
export const WIM_HEADER_SIZE = 208;
const XML_RESHDR_OFFSET = 72;
/** Against absurd files: real XML data is a few KiB per image. */
const MAX_XML_BYTES = 16 * 1024 * 1024;
/** Header flag: the WIM is one part of a split set (.swm); wimlib applies those only with --ref. */
const FLAG_SPANNED = 0x00000008;

export interface WimImageInfo {
  /** 1-based, as `wimlib-imagex apply FILE INDEX` and `Dism /Index:N` count. */
  readonly index: number;
  readonly name: string;
  /** Bytes of file data the image expands to (`Total Bytes` of `wimlib-imagex info`). */
  readonly totalBytes: number;
}

export interface WimInfo {
  readonly imageCount: number;
  readonly images: readonly WimImageInfo[];
}

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

function invalid(why: string, path: string): ChunkingError<'CHUNKING_WIM_INVALID'> {
  return new ChunkingError('CHUNKING_WIM_INVALID', `${path} is not a usable WIM: ${why}`, { path });
}

function u64(b: Buffer, at: number): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  return Number(v);
}

/** Reads the header and the XML data of the WIM `path` names (for messages) through `read`. */
export async function readWimInfo(read: ReadAt, path: string): Promise<WimInfo> {
  const header = Buffer.from(await read(0, WIM_HEADER_SIZE));
  if (header.length < WIM_HEADER_SIZE) throw invalid(`shorter than a WIM header (${header.length} bytes)`, path);
  const magic = header.subarray(0, 8);
  if (magic.equals(PIPABLE_MAGIC)) throw invalid('it is a pipable WIM, which DISM cannot apply: export it as a standard WIM (wimlib-imagex export SRC all DEST)', path);
  if (!magic.equals(WIM_MAGIC)) throw invalid('no MSWIM signature at its start', path);
  if ((header.readUInt32LE(16) & FLAG_SPANNED) !== 0 || header.readUInt16LE(42) > 1) throw invalid('it is one part of a split WIM (.swm): join the parts first (wimlib-imagex join)', path);
  const imageCount = header.readUInt32LE(44);
  const xmlSizeInWim = header.readUIntLE(XML_RESHDR_OFFSET, 6) + header.readUInt8(XML_RESHDR_OFFSET + 6) * 2 ** 48;
  const xmlOffset = u64(header, XML_RESHDR_OFFSET + 8);
  const xmlSize = u64(header, XML_RESHDR_OFFSET + 16);
  // The XML data is stored uncompressed ([MS-WIM] 2.6): its size in the WIM is its size.
  if (xmlSize === 0 || xmlSize > MAX_XML_BYTES || xmlSizeInWim !== xmlSize) throw invalid(`its XML data has an implausible size (${xmlSize} bytes)`, path);
  const xmlBytes = Buffer.from(await read(xmlOffset, xmlSize));
  if (xmlBytes.length !== xmlSize) throw invalid('it ends before its XML data (truncated copy?)', path);
  const images = parseWimXml(xmlBytes.toString('utf16le'));
  if (images.length !== imageCount) throw invalid(`its header counts ${imageCount} images, its XML describes ${images.length}`, path);
  return { imageCount, images };
}

const IMAGE_RE = /<IMAGE\s+INDEX="(\d{1,6})"\s*>([\s\S]*?)<\/IMAGE>/g;

/** The images of a WIM's XML data (UTF-16 text, a byte-order mark allowed). */
export function parseWimXml(xml: string): WimImageInfo[] {
  const out: WimImageInfo[] = [];
  for (const m of xml.replace(/^\uFEFF/, '').matchAll(IMAGE_RE)) {
    const body = m[2] ?? '';
    const total = /<TOTALBYTES>(\d{1,16})<\/TOTALBYTES>/.exec(body);
    const name = /<NAME>([^<]{0,1000})<\/NAME>/.exec(body);
    out.push({ index: Number(m[1]), name: name?.[1] ?? '', totalBytes: total ? Number(total[1]) : 0 });
  }
  return out;
}

/** The image `index` of `info`, or a CHUNKING_WIM_INVALID error listing the indexes it has. */
export function wimImage(info: WimInfo, index: number, path: string): WimImageInfo {
  const img = info.images.find((i) => i.index === index);
  if (!img) {
    const have = info.images.map((i) => `${i.index}${i.name ? ` (${i.name})` : ''}`).join(', ');
    throw invalid(`it has no image ${index} (it holds ${have || 'none'})`, path);
  }
  return img;
}
