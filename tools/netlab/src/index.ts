export { Lan, removeStaleNamespaces, type Host, type LanOptions } from './lan';
export { handleInterrupts, onInterrupt } from './interrupt';
export { LIGHT_INTERFACE, spawnLight } from './light';
export { probeSupport, type Support } from './support';
export { describeLan, lanSupport } from './jest-lan';
export { collect, waitForLine, type Collected } from './process';
export { NetlabError } from './run';
export { lanCheck, probeScript, type LanCheckResult } from './check';
