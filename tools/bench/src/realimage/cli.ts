// `node dist/tools/bench/realimage.cjs [--size-mib N]` (root): builds the realistic disk, or
// prints the cached one, as one JSON line. The benchmark's `--image realistic` calls the same.
import { buildRealisticImage } from './build';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--size-mib');
  const sizeMiB = i >= 0 ? Number(argv[i + 1]) : undefined;
  const image = await buildRealisticImage(sizeMiB === undefined ? {} : { sizeMiB });
  console.log(JSON.stringify(image));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
