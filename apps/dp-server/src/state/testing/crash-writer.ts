// The writer process of state-crash.spec.ts (bundled by the test, run by plain Node so a SIGKILL
// hits PGlite as it would hit `castpoint-dp serve`): changes the DP state the ways the session
// manager does (a new client, a changed one, an image added or removed, an event), saves, and
// prints the step's number once the save is acknowledged (flush resolved true).
import { StateStore } from '../store';
import { stateFixture } from './state-fixture';

async function main(): Promise<void> {
  const [dir, startArg] = process.argv.slice(2);
  if (!dir || !startArg) throw new Error('usage: crash-writer DATA_DIR FIRST_STEP');
  const { store } = await StateStore.open(dir, {}, { saveIntervalMs: 1 });
  const template = stateFixture().clients[0];
  const image = stateFixture().images['win11'];
  if (!template || !image) throw new Error('fixture changed');
  process.stdout.write('ready\n');
  for (let i = Number(startArg); ; i++) {
    store.state.clients.push({ ...template, id: i, hostname: `pc${i}`, receiverId: i, receiverIds: [i] });
    const previous = store.state.clients.at(-2);
    if (previous) previous.progress = 1;
    if (i % 2 === 0) store.state.images[`img${i}`] = { ...image, name: `img${i}` };
    else delete store.state.images[`img${i - 1}`];
    store.record({ event: 'crash-test', detail: String(i) }, new Date());
    store.save();
    if (!(await store.flush())) throw new Error(`save ${i} failed: ${store.health.error ?? '?'}`);
    process.stdout.write(`${i}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
