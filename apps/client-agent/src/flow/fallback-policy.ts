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
  const decision = unicastOrFail({ ...ctx, fallbackAllowed: true }, 'The DP sent this client to unicast download', d);
  // The DP's reason is the technician's only clue (a client limit, an MTU too small for the
  // session's jumbo symbols): said on the unicast path too, not only when it fails.
  return decision.action === 'unicast' ? { ...decision, why: `${decision.why}${d}` } : decision;
}

/** What the agent knew when multicast fell silent and it asked the DP again. */
export interface SilenceFacts {
  /** How long nothing valid arrived, ms. */
  readonly silentMs: number;
  /**
   * The DP answered all along: every progress post during the silence and the request after it
   * went through at the first try. False when any of them failed (the DP was down or restarting).
   */
  readonly dpAnswered: boolean;
  /** Where the agent listened, e.g. "eth0 10.0.0.2": named in the message when it gives up. */
  readonly listenedOn?: string;
}

/**
 * Multicast delivered nothing for the silence timeout, and the DP (asked again) says join. Two cases
 * that look the same from the socket:
 * - the DP did not answer meanwhile (killed, restarting): its session resumes when it is back, so
 *   the agent joins it again by multicast; silence then is no sign that multicast fails here;
 * - the DP answered all along: the group does not reach this client (a firewall, IGMP snooping, the
 *   wrong interface). Whatever session the DP names next (a lone agent's session ends when it
 *   leaves, so the next one has a new id) would be as silent: download by unicast now, or, where
 *   unicast is not allowed, stop with the likely causes rather than loop for ever.
 */
export function decideOnSilence(f: SilenceFacts, ctx: FallbackContext): Decision {
  const secs = Math.round(f.silentMs / 1000);
  if (!f.dpAnswered) {
    return { action: 'keep-listening', why: `multicast was silent for ${secs} s while the DP did not answer (restarting?); joining its session again by multicast` };
  }
  const why = `multicast delivered nothing for ${secs} s while the DP answered`;
  const where = f.listenedOn === undefined ? '' : ` (listening on ${f.listenedOn})`;
  const causes = `: the group does not reach this client${where}; likely causes: a firewall dropping inbound UDP, IGMP snooping on a switch without a querier, or the wrong interface (--interface)`;
  if (ctx.noFallback || !ctx.fallbackAllowed) return unicastOrFail(ctx, `${why[0]?.toUpperCase() ?? ''}${why.slice(1)}${causes}`, '');
  return { action: 'unicast', why };
}

/** The DP speaks another wire protocol version: joining would only collect dropped packets. */
export function decideOnProtocolVersion(dpVersion: number, ours: number, ctx: FallbackContext): Decision | undefined {
  if (dpVersion === ours) return undefined;
  return unicastOrFail(ctx, `The DP speaks wire protocol ${dpVersion} and this agent speaks ${ours}`, '');
}
