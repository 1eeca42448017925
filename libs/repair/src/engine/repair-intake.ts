// A NACK's needs into the sender's repair plan, within the sending receiver's repair budget
// (repair-budget.ts): what it asks beyond its bound is refused and counted, never queued.
import type { NackMessage } from '@castpoint/wire';
import type { BlockLayout } from './layout';
import type { RepairBudget } from './repair-budget';
import type { RepairQueue } from './repair-queue';

export interface IntakeContext {
  readonly queue: RepairQueue;
  readonly budget: RepairBudget;
  readonly layout: BlockLayout;
  readonly grttMs: number;
  readonly slotsPerSecond: number;
  /** New-data symbols the sender has sent so far (lifetime bound of the budgets). */
  readonly dataSymbolsSent: number;
}

/** Adds the NACK's entries and ranges to the plan; returns true if the plan grew. */
export function requestRepairs(c: IntakeContext, m: NackMessage, nowMs: number): boolean {
  const total = c.layout.totalBlocks;
  let budget = c.budget.available(m.receiverId, nowMs, c.slotsPerSecond, c.dataSymbolsSent);
  let granted = 0;
  let refused = 0;
  const ask = (block: number, needed: number): void => {
    if (budget <= 0) {
      refused += Math.min(needed, c.layout.blockK(block));
      return;
    }
    const r = c.queue.request(block, needed, nowMs, c.grttMs, budget, m.receiverId);
    budget -= r.granted;
    granted += r.granted;
    refused += r.refused;
  };
  for (const e of m.entries) {
    if (Number.isInteger(e.block) && e.block >= 0 && e.block < total && e.needed > 0) ask(e.block, e.needed);
  }
  for (const range of m.ranges) {
    const first = Math.max(0, range.first);
    const last = Math.min(range.last, total - 1);
    if (last < first) continue;
    if (budget <= 0) {
      // Nothing left to grant: count what was asked without walking the blocks, so a flood of
      // whole-image ranges costs one multiplication per range.
      refused += (last - first + 1) * c.layout.blockK(first);
      continue;
    }
    for (let b = first; b <= last; b++) ask(b, 255);
  }
  c.budget.charge(m.receiverId, granted, refused);
  return granted > 0;
}
