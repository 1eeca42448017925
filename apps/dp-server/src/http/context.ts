import type { DashboardState } from '../dashboard/persisted-state';
import type { ImageCatalog } from '../images/catalog';
import type { ServeSettings } from '../config/settings';
import type { SessionManager } from '../sessions/manager';
import type { StateStore } from '../state/store';
import type { AccessTokenSet } from '../security/role-tokens';
import type { TlsMaterial } from '../security/tls-files';
import type { BootRuntime } from '../boot/boot-runtime';

/** Everything the routes work with; one per app instance (no module state). */
export interface DpContext {
  readonly settings: ServeSettings;
  readonly store: StateStore;
  readonly catalog: ImageCatalog;
  readonly sessions: SessionManager;
  /** Tokens generated at this start (to be printed once), if any. */
  readonly generatedTokens: Partial<Record<'admin' | 'client' | 'operator' | 'viewer' | 'capture', string>>;
  /** The roles' tokens the admin API checks (security/roles.ts). */
  readonly access: AccessTokenSet;
  /** The HTTPS certificate, when TLS is on. */
  readonly tls: TlsMaterial | undefined;
  /** Rates over time and refused agent requests, for the dashboard. */
  readonly dashboard: DashboardState;
  /** The network boot service (`--boot`); undefined when off. */
  readonly boot?: BootRuntime;
}
