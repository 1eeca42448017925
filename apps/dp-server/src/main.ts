// castpoint-dp entry point: bundled to dist/apps/dp-server/main.cjs (bin/castpoint-dp.cjs runs it).
import { main } from './cli/cli';

main();
