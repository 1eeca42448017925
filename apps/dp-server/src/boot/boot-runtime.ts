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

  constructor(
    readonly settings: BootSettings,
    private readonly openStore: () => Promise<unknown>,
    files?: BootFiles,
  ) {
    this.files = files ?? BootFiles.load(settings.ipxeDir);
  }

  /** The key boot tokens are signed with, derived from the admin token (see boot-token.ts). */
  static tokenKey(adminToken: string): Buffer {
    return bootTokenKey(adminToken);
  }

  async start(httpPort: number, log: FastifyBaseLogger, now: () => number): Promise<void> {
    // The machine store is opened before the first PXE answer: its first open (PGlite's initdb,
    // 57 s measured on a loaded 2-core box) holds the event loop, and would otherwise do so when
    // the first machine asks for its script, stalling every DHCP and TFTP answer meanwhile.
    await this.openStore().catch((err: unknown) => log.error({ err }, 'boot service: cannot open the machine store: /boot/ipxe fails (machines boot their disks) until it opens'));
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
