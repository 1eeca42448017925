// Builds the real dependencies of `castpoint-agent capture` (the source device read-only, the
// source checks, the DP's capture API over HTTP) and prints what happens: a few lines on a
// terminal, one JSON object per line otherwise. Everything it wires is tested apart.
import { open } from 'node:fs/promises';
import { isChunkingError, preflightSource } from '@castpoint/chunking';
import type { CaptureOptions } from './capture-options';
import { CaptureClient } from './dp/capture-client';
import { AgentError, EXIT, exitCodeOf, toAgentError, type ExitCode } from './errors';
import { type CaptureEvent, type CaptureSource, runCapture } from './flow/capture';
import { formatError } from './output/format';

const MiB = 1024 * 1024;
const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;

export async function openSource(path: string): Promise<CaptureSource> {
  const fh = await open(path, 'r');
  return {
    async read(offset, length) {
      const buf = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    },
    close: () => fh.close(),
  };
}

/** The source checks: a source that cannot be read is refused like one that is mounted (exit 5), not a bug (exit 1). */
export function checkedPreflight(p: string): ReturnType<typeof preflightSource> {
  return preflightSource(p).catch((err: unknown) => {
    throw isChunkingError(err, 'CHUNKING_IMAGE_UNREADABLE') ? new AgentError('target-refused', err.message, undefined, { cause: err }) : err;
  });
}

export interface CaptureIo {
  out(text: string): void;
  err(text: string): void;
}

export async function runCaptureCommand(opts: CaptureOptions, io: CaptureIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }): Promise<ExitCode> {
  const json = opts.output === 'json';
  let lastUploadLine = 0;
  const onEvent = (e: CaptureEvent): void => {
    if (json) {
      if (e.phase === 'mapped') {
        const { map } = e;
        io.out(`${JSON.stringify({ event: 'mapped', size: map.size, usedBytes: map.usedBytes, table: map.table, source: map.source, regions: map.regions, reasons: map.reasons })}\n`);
      } else if (e.phase !== 'hashed' && e.phase !== 'uploaded') io.out(`${JSON.stringify({ event: e.phase, ...e })}\n`);
      else if (e.chunksDone === e.chunks || Date.now() - lastUploadLine >= 1000) {
        lastUploadLine = Date.now();
        io.out(`${JSON.stringify({ event: e.phase, ...e })}\n`);
      }
      return;
    }
    if (e.phase === 'mapped') {
      io.out(`${opts.source}: ${mib(e.map.usedBytes)} used of ${mib(e.map.size)} (${e.map.table} table, map from ${e.map.source})\n`);
      for (const r of e.map.regions) io.out(`  ${r.index === 0 ? 'whole disk' : `partition ${r.index}`}: ${r.filesystem}, ${r.method}, ${mib(r.usedBytes)} used of ${mib(r.length)}${r.reason ? ` (${r.reason})` : ''}\n`);
    } else if (e.phase === 'planned') {
      io.out(`the DP needs ${e.missing} of ${e.dataChunks} data chunks\n`);
    }
  };
  try {
    const r = await runCapture({
      source: opts.source,
      name: opts.name,
      chunkSize: opts.chunkSize,
      api: new CaptureClient({ server: opts.server, ...(opts.token === undefined ? {} : { token: opts.token }) }),
      preflight: checkedPreflight,
      open: openSource,
      onEvent,
    });
    if (json) io.out(`${JSON.stringify({ event: 'done', ...r })}\n`);
    else {
      io.out(`captured ${r.image.name}: sent ${r.uploadedChunks} chunks (${mib(r.uploadedBytes)}); ${r.dataChunks} data, ${r.zeroChunks} zero, ${r.unusedChunks} unused chunks; manifest ${r.image.manifestHash.slice(0, 12)}\n`);
    }
    return EXIT.ok;
  } catch (err) {
    const e = toAgentError(err);
    const code = exitCodeOf(e);
    io.err(`${formatError(e, code)}\n`);
    return code;
  }
}
