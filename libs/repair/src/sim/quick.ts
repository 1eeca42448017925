import { simulate } from './simulate';
const t0 = Date.now();
const r = simulate({ seed: Number(process.argv[2] ?? 1), receivers: Number(process.argv[3] ?? 10), loss: Number(process.argv[4] ?? 0.01), imageBytes: Number(process.argv[5] ?? 2e6), bursty: process.argv[6] === 'b' });
const { results, ...rest } = r;
console.log(JSON.stringify(rest), results.filter((x) => !x.complete).length, 'incomplete', Date.now() - t0, 'ms');
