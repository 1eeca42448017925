#!/usr/bin/env node
// Serves one file at /image to COUNT downloads, then exits: the HTTP peer of the benchmark.
//   http-serve.cjs FILE ADDRESS PORT COUNT
'use strict';
const http = require('node:http');
const fs = require('node:fs');

const [file, address, port, countS] = process.argv.slice(2);
let left = Number(countS);
const size = fs.statSync(file).size;
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
  fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res);
  // 'close' fires once per response whether it finished or the client went away: count those, so
  // a client that disconnects early cannot keep the server (and the benchmark) waiting.
  res.on('close', () => {
    if (--left === 0) {
      server.close();
      server.closeAllConnections();
    }
  });
});
server.listen(Number(port), address, () => console.log('listening'));
// Backstop: a benchmark run never leaves this server behind, whatever its clients did.
setTimeout(() => process.exit(0), 600_000).unref();
