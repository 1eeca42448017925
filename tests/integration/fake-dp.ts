// A DP stand-in for agent tests that need no real DP (its start takes long on a busy machine):
// shared by agent-package.test.ts and win32-disk-wine.test.ts.
import { createHash } from 'node:crypto';

// A DP stand-in small enough to read: answers every request with `fallback` and serves the image
// file with Range. Runs in the server host of the LAN.
export const FAKE_DP = `
const http = require('node:http'); const fs = require('node:fs');
const [file, manifestFile, host, port, delayMs] = process.argv.slice(1);
const image = fs.readFileSync(file); const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
const requests = [];
http.createServer((req, res) => {
  let body = ''; req.on('data', (d) => (body += d)); req.on('end', () => {
    if (req.url === '/api/v1/agent/request') {
      requests.push(JSON.parse(body));
      const known = JSON.parse(body).image === 'img';
      res.writeHead(known ? 200 : 404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(known ? { status: 'fallback', receiverId: requests.length, reason: 'test', manifest, contentPath: '/content/img' } : { error: 'unknown' }));
    }
    if (req.url === '/api/v1/agent/progress') { res.writeHead(200); return res.end('{}'); }
    const m = /^bytes=(\\d+)-(\\d+)$/.exec(req.headers.range || '');
    if (req.url === '/content/img' && m) {
      const s = Number(m[1]), e = Math.min(Number(m[2]), image.length - 1);
      console.log('range ' + s);
      return setTimeout(() => {
        res.writeHead(206, { 'content-length': e - s + 1, 'content-range': 'bytes ' + s + '-' + e + '/' + image.length });
        res.end(image.subarray(s, e + 1));
      }, Number(delayMs || 0));
    }
    res.writeHead(404); res.end();
  });
}).listen(Number(port), host, () => console.log('listening'));
`;

export function manifestOf(bytes: Buffer, chunkSize: number): object {
  const chunks: string[] = [];
  const zeroChunks: number[] = [];
  for (let o = 0, i = 0; o < bytes.length; o += chunkSize, i++) {
    const c = bytes.subarray(o, Math.min(bytes.length, o + chunkSize));
    chunks.push(createHash('sha256').update(c).digest('hex'));
    if (c.every((b) => b === 0)) zeroChunks.push(i);
  }
  return { version: 1, size: bytes.length, chunkSize, sha256: createHash('sha256').update(bytes).digest('hex'), chunks, zeroChunks };
}
