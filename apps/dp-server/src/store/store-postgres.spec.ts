import { DpStore } from './dp-store';
import { findPostgresBin, startTestPostgres, type TestPostgres } from './testing/postgres-server';
import { describeAssignmentContract } from './testing/assignment-contract';
import { describeIndexContract } from './testing/index-contract';
import { describeStoreContract, truncateAll } from './testing/store-contract';

// The same contract against a real PostgreSQL server that this test starts (initdb + pg_ctl in a
// temp dir, unix socket only) and stops. Without the binaries it is skipped, except in CI, where
// tools/setup.sh installs Debian's postgresql and a missing server is a failure.
const bin = findPostgresBin();
if (!bin && process.env['CI'] === 'true') throw new Error('CI=true but PostgreSQL (initdb, pg_ctl) is not installed: tools/setup.sh installs it');
if (!bin) console.warn('store-postgres.spec: PostgreSQL binaries not found, skipping the PostgreSQL store tests');

let server: TestPostgres | undefined;
if (bin) {
  beforeAll(() => {
    server = startTestPostgres(bin);
  }, 120_000);
  afterAll(() => server?.stop());
  const open = () => {
    if (!server) throw new Error('the test PostgreSQL server did not start');
    return DpStore.open({ kind: 'postgres', url: server.url });
  };
  describeStoreContract('PostgreSQL', open, truncateAll);
  describeAssignmentContract('PostgreSQL', open, truncateAll);
  describeIndexContract('PostgreSQL', open, truncateAll);
} else {
  it.skip('PostgreSQL store contract (no PostgreSQL binaries)', () => undefined);
}
