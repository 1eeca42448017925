import { findPostgresBin, startTestPostgres, type TestPostgres } from '../store/testing/postgres-server';
import { describeStateContract, resetStateTables } from './testing/state-contract';

// The same on a PostgreSQL server this test starts (see store/store-postgres.spec.ts): skipped
// without the binaries, except in CI.
const bin = findPostgresBin();
if (!bin && process.env['CI'] === 'true') throw new Error('CI=true but PostgreSQL (initdb, pg_ctl) is not installed: tools/setup.sh installs it');

let server: TestPostgres | undefined;
if (bin) {
  beforeAll(() => {
    server = startTestPostgres(bin);
  }, 120_000);
  afterAll(() => server?.stop());
  const url = (): string => {
    if (!server) throw new Error('the test PostgreSQL server did not start');
    return server.url;
  };
  describeStateContract('PostgreSQL', () => ({ kind: 'postgres', url: url() }), () => resetStateTables(url()));
} else {
  it.skip('DP state on PostgreSQL (no PostgreSQL binaries)', () => undefined);
}
