// `castpoint-dp image add|list|set|rm`: the handlers behind cli.ts's yargs wiring.
import { resolve } from 'node:path';
import type { ImportProgress } from '../images/import-progress';
import type { ImageRecord } from '../state/types';
import { formatSlowPolicy } from '../images/settings';
import { apiClient, print, usage, type ApiArgs } from './api-args';
import { table, type ApiClient } from './api-client';
import { startElapsedLine, type ElapsedLine } from './elapsed-line';
import { formatBytes, formatDuration } from './human';
import { checkImageName, describeSettings, scheduleText, settingsInput, type ImageSettingFlags } from './image-settings-flags';
import { describeContent } from '../images/image-content';
import { kindInput, type ImageKindFlags } from './image-kind-flags';
import type { CliIo } from './io';

/** An image as GET /api/v1/images lists it. */
type ListedImage = ImageRecord & { outsideRoots?: boolean };

interface SizeArgs {
  /** Raw byte counts instead of 3.0 GiB. */
  bytes?: boolean | undefined;
}

const size = (args: SizeArgs, n: number): string => (args.bytes ? String(n) : formatBytes(n));

export async function imageAdd(
  args: ApiArgs & SizeArgs & ImageSettingFlags & ImageKindFlags & { name: string; file: string; 'used-blocks'?: boolean | undefined; compress?: boolean | undefined; 'compress-level'?: number | undefined },
  io: CliIo,
): Promise<void> {
  // A relative FILE means the caller's directory (the DP runs elsewhere and needs an absolute path).
  const body = {
    name: checkImageName(args.name),
    file: resolve(args.file),
    ...kindInput(args),
    ...settingsInput(args, false),
    ...(args['used-blocks'] === true ? { usedBlocks: true } : {}),
    // Left out unless given: the DP applies its own default (compress-level, on at level 3).
    ...(args.compress !== undefined ? { compress: args.compress } : {}),
    ...(args['compress-level'] !== undefined ? { compressLevel: args['compress-level'] } : {}),
  };
  const api = apiClient(args, io);
  const t0 = io.now();
  const line = args.json ? undefined : startElapsedLine(io, `importing ${args.name} from ${body.file}`);
  const stopPolling = line && io.errIsTty ? pollImportProgress(api, body.name, io, line) : () => undefined;
  let rec: ImageRecord;
  try {
    rec = await api.call<ImageRecord>('POST', '/api/v1/images', body);
  } finally {
    stopPolling();
    line?.stop();
  }
  const took = formatDuration(io.now() - t0);
  print(io, args, rec, () => {
    const bytes = args.bytes ? `${rec.size} bytes` : `${formatBytes(rec.size)} (${rec.size} bytes)`;
    const wim = rec.content ? `WIM image ${rec.content.index} (${formatBytes(rec.content.totalBytes)} of files), ` : '';
    return `added image ${rec.name}: ${wim}${bytes}, ${rec.chunks} chunks, imported in ${took}; manifest ${rec.manifestHash}`;
  });
}

/** How often the CLI asks the DP how far an import got. */
const IMPORT_POLL_MS = 500;

/**
 * Asks GET /api/v1/imports meanwhile and shows bytes read of the size. A DP from before that route
 * answers 404: the line then shows the elapsed time alone.
 */
function pollImportProgress(api: ApiClient, name: string, io: CliIo, line: ElapsedLine): () => void {
  let busy = false;
  let stopped = false;
  const poll = (): void => {
    if (busy || stopped) return;
    busy = true;
    api
      .call<ImportProgress[]>('GET', '/api/v1/imports')
      .then(
        (list) => {
          const p = list.find((i) => i.name === name);
          if (p && !stopped) line.detail(`${formatBytes(p.bytesDone)} of ${formatBytes(p.size)} (${Math.floor((p.bytesDone / Math.max(1, p.size)) * 100)}%)`);
        },
        () => undefined,
      )
      .finally(() => (busy = false));
  };
  const stop = io.every(IMPORT_POLL_MS, poll);
  return () => {
    stopped = true;
    stop();
  };
}

function imageState(r: ListedImage): string {
  if (r.broken) return 'BROKEN';
  return r.outsideRoots ? 'NOT SERVED' : 'ok';
}

export async function imageList(args: ApiArgs & SizeArgs, io: CliIo): Promise<void> {
  const rows = await apiClient(args, io).call<ListedImage[]>('GET', '/api/v1/images');
  print(io, args, rows, () =>
    table(
      rows.map((r) => ({
        name: r.name,
        kind: describeContent(r.content),
        size: size(args, r.size),
        chunks: r.chunks,
        mode: r.settings.mode,
        start: scheduleText(r.settings),
        encrypt: r.settings.encrypt ? 'aes-gcm' : 'no',
        'slow-policy': formatSlowPolicy(r.settings.slowPolicy),
        'multicast-only': r.settings.multicastOnly ? 'yes' : 'no',
        state: imageState(r),
        file: r.file,
      })),
      ['name', 'kind', 'size', 'chunks', 'mode', 'start', 'encrypt', 'slow-policy', 'multicast-only', 'state', 'file'],
    ),
  );
}

export async function imageSet(args: ApiArgs & ImageSettingFlags & { name: string }, io: CliIo): Promise<void> {
  const name = checkImageName(args.name);
  const body = settingsInput(args, true);
  if (Object.keys(body).length === 0) {
    throw usage('image set: name a setting to change: --mode, --min-clients, --start-delay, --start-at, --max-wait, --slow-policy, --[no-]encrypt or --[no-]multicast-only');
  }
  const rec = await apiClient(args, io).call<ImageRecord>('PATCH', `/api/v1/images/${encodeURIComponent(name)}`, body);
  print(io, args, rec, () => `image ${rec.name}: ${describeSettings(rec.settings)}`);
}

export async function imageRemove(args: ApiArgs & { name: string }, io: CliIo): Promise<void> {
  const name = checkImageName(args.name);
  await apiClient(args, io).call('DELETE', `/api/v1/images/${encodeURIComponent(name)}`);
  print(io, args, { removed: name }, () => `removed image ${name}`);
}
