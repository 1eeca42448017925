// The test DP's signing key: sessions of flow tests carry its public key, the test sender
// (engine-sender.ts) signs announces and kicks with it, as the DP's session runner does.
import { signingKeyFromSeed } from '@castpoint/wire';

export const TEST_DP_KEY = signingKeyFromSeed(new Uint8Array(32).fill(0x5d));
