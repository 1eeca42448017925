import { describeStateContract } from './testing/state-contract';

// The default backend: PGlite in the data dir (needs --experimental-vm-modules, see project.json).
describeStateContract('PGlite in the data dir', (dataDir) => ({ kind: 'pglite', dataDir }), () => Promise.resolve());
