// The boot service as the app holds it: settings, the iPXE files (read when the app is built, so a
// missing package stops the start before anything listens), counters, and the sockets once the
// HTTP port is known (serve starts them after the listen).
import type { FastifyBaseLogger } from 'fastify';
import { BootFiles } from './boot-files';
import { BootCounters } from './boot-counters';
import { BootService } from './boot-service';
import type { BootSettings } from './boot-settings';
import { bootTokenKey } from './boot-token';

export class BootRuntime {
  readonly counters = new BootCounters();
  readonly files: BootFiles;
  private service: BootService | undefined;

  constructor(readonly settings: BootSettings, files?: BootFiles) {
    this.files = files ?? BootFiles.load(settings.ipxeDir);
  }

  /** The key boot tokens are signed with, derived from the admin token (see boot-token.ts). */
  static tokenKey(adminToken: string): Buffer {
    return bootTokenKey(adminToken);
  }

  async start(httpPort: number, log: FastifyBaseLogger, now: () => number): Promise<void> {
    const s = new BootService({ settings: this.settings, files: this.files, httpPort, log, counters: this.counters, now });
    await s.start();
    this.service = s;
  }

  async stop(): Promise<void> {
    const s = this.service;
    this.service = undefined;
    await s?.stop();
  }
}
