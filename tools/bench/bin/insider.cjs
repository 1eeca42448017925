#!/usr/bin/env node
// An insider on the LAN, registered with the client token: forges data, kicks and "finished"
// announces with the session key (tools/bench/src/insider.ts, bundled by `nx build bench`).
//   insider.cjs forge-data|forge-kick|forge-finished|forge-control|forge-all DP_URL CLIENT_TOKEN IMAGE IFACE SECONDS [CHUNK]
'use strict';
require('../../../dist/tools/bench/insider.cjs');
