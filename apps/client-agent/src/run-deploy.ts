// Builds the real dependencies of a deploy (HTTP client, disk store, sockets, terminal, clock) and
// runs it. The only module that touches process-wide things; everything it wires is tested apart.
import { lookup } from 'node:dns/promises';
import { hostname, networkInterfaces } from 'node:os';
import { allocChunkBuffer } from '@castpoint/chunking';
import { BufferPool } from '@castpoint/repair';
import { libStoreOpener } from './adapters/lib-store';
import { libSessionFactory } from './adapters/lib-session';
import { DpClient } from './dp/dp-client';
import { realClock } from './dp/patience';
import type { ExitCode } from './errors';
import { fileMemory } from './flow/agent-state';
import { deploy } from './flow/deploy';
import type { DeployOptions } from './options';
import { Reporter } from './output/reporter';

const KEEP_BYTES_PER_SIZE = 32 * 1024 * 1024;

export async function runDeployCommand(opts: DeployOptions): Promise<ExitCode> {
  const reporter = new Reporter(
    {
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
      ...(process.stdout.isTTY ? { columns: process.stdout.columns } : {}),
    },
    { mode: opts.output },
  );
  const dp = new DpClient({ server: opts.server, ...(opts.token === undefined ? {} : { token: opts.token }) });
  return deploy(opts, {
    dp,
    stores: libStoreOpener({ target: opts.target, stateDir: opts.stateDir, stateDirGiven: opts.stateDirGiven, readBack: opts.readBack, directIo: opts.directIo, onWarning: (w) => reporter.note(w) }),
    sessions: libSessionFactory(),
    clock: realClock,
    reporter,
    memory: fileMemory(opts.stateDir),
    hostname: hostname(),
    interfaces: () => networkInterfaces(),
    resolveDp: async () => (await lookup(new URL(opts.server).hostname, { family: 4 })).address,
    // Block (~90 KB) and chunk (1 MiB) buffers go round instead of being allocated ~2,500 times
    // per 200 MiB: up to 32 MiB of each size wait for reuse. At 1% loss 100-300 blocks wait for
    // their repairs at once; a limit of 32 buffers meant ~450 fresh ones per image and 7-9 full
    // collections per agent instead of 3-5. Chunk buffers are page-aligned so the
    // disk can take them by direct I/O: on the test machines copying 200 MiB into fresh page-cache
    // pages cost each agent ~0.4 CPU s (docs/agent.md).
    buffers: new BufferPool((size) => Math.max(4, Math.floor(KEEP_BYTES_PER_SIZE / size)), opts.directIo ? allocChunkBuffer : undefined),
  });
}
