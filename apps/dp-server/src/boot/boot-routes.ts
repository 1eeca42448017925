// HTTP side of network boot: the per-machine iPXE script, and the boot environment's kernel and
// initramfs (iPXE fetches them by HTTP at LAN speed; TFTP only carries the first stage).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { decide } from '../deployments/decide';
import { normalizeMac } from '../deployments/mac';
import type { DpStore } from '../store/dp-store';
import { BootCounters } from './boot-counters';
import type { BootRuntime } from './boot-runtime';
import { BOOTENV_FILES, renderBootScript } from './boot-script';
import { bootTokenKey, issueBootToken } from './boot-token';
import { BootError } from './errors';

const scriptQuery = {
  type: 'object',
  required: ['mac'],
  properties: {
    mac: { type: 'string', minLength: 12, maxLength: 17, description: "The MAC iPXE booted from (${netX/mac})" },
    // iPXE sends an empty value when the board has no SMBIOS UUID.
    uuid: { type: 'string', maxLength: 64, description: 'SMBIOS UUID (${uuid})' },
  },
} as const;

const fileParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', enum: Object.values(BOOTENV_FILES) } },
} as const;

/** The DP as the machine reached it (Host header), or the boot address when that is unusable. */
function dpUrlOf(req: FastifyRequest, boot: BootRuntime): string {
  const host = req.headers.host;
  return typeof host === 'string' && /^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host) ? `http://${host}` : `http://${boot.settings.address}`;
}

async function missingBootenv(dir: string): Promise<string | undefined> {
  const missing: string[] = [];
  for (const f of Object.values(BOOTENV_FILES)) {
    const st = await stat(join(dir, f)).catch(() => undefined);
    if (!st?.isFile()) missing.push(f);
  }
  return missing.length > 0 ? `the boot environment has no ${missing.join(', ')} in ${dir} (castpoint-dp bootenv build)` : undefined;
}

export function bootRoutes(
  app: FastifyInstance,
  boot: BootRuntime,
  store: () => Promise<DpStore>,
  now: () => number,
  adminToken: () => string,
  tlsFingerprint?: string,
): void {
  app.get<{ Querystring: { mac: string; uuid?: string } }>(
    '/boot/ipxe',
    { schema: { tags: ['boot'], description: 'The iPXE script of one machine: boot environment, menu, or exit (boot from disk).', querystring: scriptQuery } },
    async (req, reply) => {
      const mac = normalizeMac(req.query.mac);
      const uuid = req.query.uuid?.trim() ? req.query.uuid.trim() : undefined;
      const s = await store();
      const at = new Date(now());
      // Booting counts as being seen: a machine the DP never saw registers here as unknown.
      const seen = await s.machines.recordSeen({ macs: [mac], ...(uuid ? { uuid } : {}), ip: req.ip }, at);
      const decision = seen.machine ? decide(seen.machine, await s.deployments.targetedFor(seen.machine.id), at) : undefined;
      const script = renderBootScript({
        machine: seen.machine ? { name: seen.machine.name, state: seen.machine.state } : undefined,
        mac,
        decision,
        unknownMachines: boot.settings.unknownMachines,
        dpUrl: dpUrlOf(req, boot),
        bootToken: issueBootToken(bootTokenKey(adminToken()), mac, now()),
        ...(tlsFingerprint ? { tlsFingerprint } : {}),
        ...(await missingBootenv(boot.settings.bootenvDir).then((m) => (m ? { bootenvMissing: m } : {}))),
      });
      BootCounters.inc(boot.counters.scripts, script.outcome);
      req.log.info({ mac, machine: seen.machine?.name ?? null, action: decision?.action ?? 'conflict', outcome: script.outcome }, 'boot script');
      return reply.header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store').send(script.text);
    },
  );

  app.get<{ Params: { name: string } }>(
    '/boot/files/:name',
    { schema: { tags: ['boot'], description: 'Kernel (vmlinuz) and initramfs (initrd.img) of the boot environment.', params: fileParams } },
    async (req, reply) => {
      const file = join(boot.settings.bootenvDir, req.params.name);
      const st = await stat(file).catch(() => undefined);
      if (!st?.isFile()) {
        throw new BootError('DP_BOOTENV_MISSING', `${req.params.name} is not in the boot environment directory ${boot.settings.bootenvDir}: build it with castpoint-dp bootenv build`, { file: req.params.name, dir: boot.settings.bootenvDir });
      }
      return reply.header('content-type', 'application/octet-stream').header('content-length', st.size).send(createReadStream(file));
    },
  );
}
