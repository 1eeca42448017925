#!/usr/bin/env node
'use strict';
// Runs the bundle that `npm run build` writes; tells how to make it when it is missing.
const path = require('node:path');
const fs = require('node:fs');

const bundle = path.resolve(__dirname, '../../../dist/apps/client-agent/main.cjs');
if (!fs.existsSync(bundle)) {
  console.error('castpoint-agent is not built yet: run `npm run build` in the castpoint repository first.');
  process.exit(2);
}
require(bundle);
