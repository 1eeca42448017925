import type { Collection, Deployment } from '../deployments/model';

/** A deployment with its collection, without members: what every agent's request starts from. */
export interface Targeting {
  readonly deployment: Deployment;
  readonly collection: Omit<Collection, 'members'>;
}

/**
 * The deployments joined with their collections, read once and kept until a deployment or a
 * collection's rules change (DeploymentQueries and CollectionQueries call invalidate()). Every
 * agent's "what do I do" read the same 50-row join, parsed its jsonb again, and that was the
 * request's largest cost (the fleet-scale bench, docs/deployments.md). Memberships and done lists
 * are per machine and still read per request. Valid while this DP is the database's only writer
 * (one DP per database: docs/deployments.md).
 */
export class TargetingCache {
  private rows: Promise<readonly Targeting[]> | undefined;

  get(load: () => Promise<readonly Targeting[]>): Promise<readonly Targeting[]> {
    const rows = (this.rows ??= load());
    // A failed read is not kept: the next request reads again.
    rows.catch(() => {
      if (this.rows === rows) this.rows = undefined;
    });
    return rows;
  }

  invalidate(): void {
    this.rows = undefined;
  }
}
