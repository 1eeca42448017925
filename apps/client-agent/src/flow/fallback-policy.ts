// When the agent leaves multicast for unicast Range downloads, and when it must give up instead.
// Pure decisions over what the DP said and what the technician allowed, so each rule has a test.
import type { KickReason } from '@castpoint/wire';
import { AgentError } from '../errors';

export interface FallbackContext {
  /** From the session: false for multicast-only images. */
  readonly fallbackAllowed: boolean;
  /** --no-fallback. */
  readonly noFallback: boolean;
}

export type Decision =
  | { readonly action: 'unicast'; readonly why: string }
  /** Ask the DP again (demoted to another tier, or to learn why multicast is silent). */
  | { readonly action: 'rerequest'; readonly why: string }
  /** Stay in the group: nothing better is allowed, and the data may still come. */
  | { readonly action: 'keep-listening'; readonly why: string }
  | { readonly action: 'fail'; readonly error: AgentError };

function unicastOrFail(ctx: FallbackContext, why: string, detail: string): Decision {
  if (ctx.noFallback) {
    return { action: 'fail', error: new AgentError('removed-by-policy', `${why} and --no-fallback forbids unicast fallback${detail}`) };
  }
  if (!ctx.fallbackAllowed) {
    return { action: 'fail', error: new AgentError('removed-by-policy', `${why} and the image is multicast-only${detail}`) };
  }
  return { action: 'unicast', why };
}

/** The DP kicked this receiver out of the group. */
export function decideOnKick(reason: KickReason, detail: string, ctx: FallbackContext): Decision {
  const d = detail.trim() === '' ? '' : ` (${detail.trim()})`;
  switch (reason) {
    case 'fallback':
      return unicastOrFail(ctx, 'The DP moved this client to unicast', d);
    case 'policy':
      return unicastOrFail(ctx, 'The DP removed this client from multicast by its slow-client policy', d);
    case 'tier':
      return { action: 'rerequest', why: `the DP moved this client to another session${d}` };
    case 'fail':
      return { action: 'fail', error: new AgentError('session-failed', `The DP stopped this client${d}`) };
  }
}

/** The request reply said `fallback` (client limit or policy, with fallback allowed by the image). */
export function decideOnFallbackReply(reason: string, ctx: FallbackContext): Decision {
  const d = reason.trim() === '' ? '' : ` (${reason.trim()})`;
  // The DP only answers fallback when the image allows it; --no-fallback is the technician's veto.
  return unicastOrFail({ ...ctx, fallbackAllowed: true }, 'The DP sent this client to unicast download', d);
}

/**
 * Multicast delivered nothing for the silence timeout and the DP, asked again, still names the same
 * session: the group does not reach this client (no IGMP querier, a firewall, the wrong interface).
 */
export function decideOnSilence(silentMs: number, ctx: FallbackContext): Decision {
  const why = `multicast delivered nothing for ${Math.round(silentMs / 1000)} s`;
  if (ctx.noFallback || !ctx.fallbackAllowed) {
    const veto = ctx.noFallback ? '--no-fallback is set' : 'the image is multicast-only';
    return { action: 'keep-listening', why: `${why}, and ${veto}: still listening` };
  }
  return { action: 'unicast', why };
}

/** The DP speaks another wire protocol version: joining would only collect dropped packets. */
export function decideOnProtocolVersion(dpVersion: number, ours: number, ctx: FallbackContext): Decision | undefined {
  if (dpVersion === ours) return undefined;
  return unicastOrFail(ctx, `The DP speaks wire protocol ${dpVersion} and this agent speaks ${ours}`, '');
}
