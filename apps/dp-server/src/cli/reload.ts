// A graceful reload (SIGHUP, `systemctl reload castpoint-dp`): the settings are read again from the
// config file, the environment and the flags, and what can change while sessions run changes now:
// the four tokens (rotated without dropping a session or an agent's long poll). The settings the
// listener, the data directory or the session sockets were made with need a restart; the reload
// names them instead of pretending. A config that no longer parses is refused whole: the running
// settings stay.
import type { ServeSettings } from '../config/settings';
import type { DpContext } from '../http/context';
import { checkDistinct, loadRoleTokens } from '../security/role-tokens';

export interface ReloadOutcome {
  /** What changed and is in effect now. */
  readonly applied: string[];
  /** What changed but takes a restart. */
  readonly needRestart: string[];
}

/** Settings read once, at start: [name as in the config file, its value as compared]. */
function startOnly(s: ServeSettings): Array<[string, string]> {
  return [
    ['data-dir', s.dataDir],
    ['listen', `${s.listen.host}:${s.listen.port}`],
    ['mcast-interface', s.mcastInterface],
    ['group-range', JSON.stringify(s.groupRange)],
    ['port-range', JSON.stringify(s.portRange)],
    ['max-rate', String(s.maxRateBps)],
    ['start-rate', s.startRate],
    ['max-clients', String(s.maxClients)],
    ['ttl', String(s.ttl)],
    ['agent-rate-limit', String(s.agentRateLimit)],
    ['receiver-silence', String(s.receiverSilenceSeconds)],
    ['symbol-size', String(s.symbolSize)],
    ['image-root', s.imageRoots.join('\n')],
    ['tls', `${s.tls} ${s.tlsCert ?? ''} ${s.tlsKey ?? ''}`],
  ];
}

/** Applies `next` over the running DP (started with `running`); throws, changing nothing, when the tokens clash. */
export function applyReload(ctx: DpContext, running: ServeSettings, next: ServeSettings): ReloadOutcome {
  const kept = ctx.store.state.tokens;
  const admin = next.adminToken ?? kept.admin;
  const client = next.clientToken ?? kept.client;
  // Token files the admin replaced in DATA_DIR are read again; never generated here (they exist).
  const roles = loadRoleTokens(ctx.store.dataDir, {
    ...(next.operatorToken !== undefined ? { operator: next.operatorToken } : {}),
    ...(next.viewerToken !== undefined ? { viewer: next.viewerToken } : {}),
    ...(next.captureToken !== undefined ? { capture: next.captureToken } : {}),
  }).tokens;
  checkDistinct({ admin, client, ...roles });
  const before = ctx.access.get();
  if (admin !== kept.admin || client !== kept.client) {
    ctx.store.state.tokens = { admin, client };
    ctx.store.save();
  }
  ctx.access.replaceRoles(roles);
  const after = ctx.access.get();
  const applied = (['admin', 'operator', 'viewer', 'capture', 'client'] as const).filter((r) => before[r] !== after[r]).map((r) => `${r} token`);
  const was = new Map(startOnly(running));
  const needRestart = startOnly(next)
    .filter(([name, value]) => was.get(name) !== value)
    .map(([name]) => name);
  return { applied, needRestart };
}
