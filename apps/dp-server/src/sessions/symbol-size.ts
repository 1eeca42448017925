// How many bytes of image a session's data packet carries (its symbol size), from `serve
// --symbol-size` and the MTUs of the DP's interface and of the session's receivers (issue 29.4:
// packets, not bytes, cost CPU on both ends, so a LAN of jumbo frames should carry jumbo symbols).
// Pure, so that each rule has a row in symbol-size.spec.ts.
import { ASSUMED_AGENT_MTU, maxSymbolSize, MIN_MTU, MAX_REPORTED_MTU } from '@castpoint/wire';

/** `serve --symbol-size`: `auto`, or a fixed number of bytes for every session. */
export type SymbolSizeSetting = 'auto' | number;

/** What sessions used before the choice existed, and what a session record without one used. */
export const LEGACY_SYMBOL_SIZE = 1400;
/**
 * The largest symbol `auto` picks: what a 9000-byte jumbo frame carries (8922) rounded down. Beyond
 * it the gain per packet is small and a block of 64 symbols (570 KB) is already a large unit of
 * repair; a fixed --symbol-size may go further.
 */
export const MAX_AUTO_SYMBOL_SIZE = 8900;
/** `auto` rounds down to a multiple of this: a 1500-byte MTU gives 1400 as before, 9000 gives 8900. */
const AUTO_STEP = 100;
/** A fixed --symbol-size within this range (an IPv4 datagram's payload less castpoint's 50 bytes). */
export const MIN_FIXED_SYMBOL_SIZE = 256;
export const MAX_FIXED_SYMBOL_SIZE = maxSymbolSize(MAX_REPORTED_MTU);

/** The largest symbol whose whole packet fits `mtu`, rounded down to AUTO_STEP and capped at MAX_AUTO_SYMBOL_SIZE. */
export function autoSymbolSize(mtu: number): number {
  return Math.min(MAX_AUTO_SYMBOL_SIZE, Math.floor(maxSymbolSize(mtu) / AUTO_STEP) * AUTO_STEP);
}

/**
 * A new session's symbol size. `linkMtu`: the DP's multicast interface; `receiverMtus`: the agents
 * known when it starts (the first agent of an auto-cast session, the waiters of a scheduled one).
 * With none known (an admin's `session start` ahead of its agents) an agent is assumed to have the
 * MTU an older agent is assumed to have: a guess too large would send every such agent to unicast.
 */
export function sessionSymbolSize(setting: SymbolSizeSetting, linkMtu: number, receiverMtus: readonly number[]): number {
  if (setting !== 'auto') return setting;
  const known = receiverMtus.length > 0 ? receiverMtus : [ASSUMED_AGENT_MTU];
  return autoSymbolSize(Math.min(clampMtu(linkMtu), ...known.map(clampMtu)));
}

/** Whether an agent whose interface has `mtu` takes a session's data packets of `symbolSize` unfragmented. */
export function fitsMtu(symbolSize: number, mtu: number): boolean {
  return symbolSize <= maxSymbolSize(clampMtu(mtu));
}

/** Why an agent with `mtu` cannot join a session of `symbolSize` (admission's reason). */
export function mtuTooSmallReason(symbolSize: number, mtu: number): string {
  return `the session sends ${symbolSize}-byte symbols, more than this agent's MTU of ${mtu} carries unfragmented (${maxSymbolSize(clampMtu(mtu))})`;
}

function clampMtu(mtu: number): number {
  return Math.max(MIN_MTU, Math.min(MAX_REPORTED_MTU, Math.floor(mtu)));
}
