// Fixture table of DP-signed control packets (control-signature.ts), in the shape of
// packet.fixtures.ts: valid rows hold golden bytes and the decoded value; error rows hold bytes a
// receiver holding the DP public key must refuse, with the code. Ed25519 signatures are
// deterministic (RFC 8032), so with fixed keys the bytes are too. Written out once, never generated
// by the tests. Layout: header | protobuf body | 7a 40 signature (64 bytes) | tag.
import type { Envelope, Message } from './messages';
import { type Mode } from './packet.fixtures';
import type { DecodeErrorCode } from './wire-error';

/** Seed of the DP signing key of every row: 40 41 .. 5f. */
export const SIGNING_SEED = Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i);
/** Seed of an insider's own key (80 81 .. 9f): it signs, but not as the DP. */
export const INSIDER_SEED = Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i);

export interface SignedPacketFixture {
  readonly name: string;
  readonly mode: Mode;
  readonly hex: string;
  readonly envelope: Envelope;
  readonly message: Message;
}

const dp = (seq: bigint): Envelope => ({ sessionId: 0xc0de, senderId: 0x80000001, seq, sentAtMs: 0x0001e240 });

const FINISHED = {
  type: 'announce',
  totalBlocks: 1200,
  cursor: 1200,
  pass: 2,
  grttMs: 12,
  rateBps: 62_500_000,
  repairs: [],
  probeId: 0,
  probeTargets: [],
  finished: true,
} as const satisfies Message;
const KICK = { type: 'kick', receiverId: 0x5a17c0de, reason: 'fail', detail: 'stop' } as const satisfies Message;

//                 magic ver type flags rsv bodylen session  sender   seq              sentAtMs | body | 7a 40 signature | tag
export const SIGNED_PACKET_FIXTURES: readonly SignedPacketFixture[] = [
  { name: 'finished announce', mode: 'hmac', envelope: dp(21n), message: FINISHED,
    hex: 'ca57 01 04 00 00 0053 0000c0de 80000001 0000000000000015 0001e240 | 08b00910b0091802200c28a0d9e61d4801 | 7a40 4d72d74f8f4fa01d5dd1e16cedb8acc17921a0bd99baa245a0010b08df84a52ef05f3fe1f0c90ac845ac56c82c882f23e2ac9045315be7029d658e72fe7d430f | ada770a47b05bfde54c15f150882b57b' },
  { name: 'kick', mode: 'hmac', envelope: dp(22n), message: KICK,
    hex: 'ca57 01 07 00 00 0050 0000c0de 80000001 0000000000000016 0001e240 | 08de81dfd00510031a0473746f70 | 7a40 f0b37a5b395f02221b70630389b78711caabea4b4b4e4da19049fef5b18915c11e4ac3914bdd4cb883372b561be02b4d183d374d1be1f517f3dcaeef912f7f0c | 4bc1aba2c51239bc3864b9800240a3af' },
  // Encrypted: the signature is inside the ciphertext, so no byte of it is readable on the wire.
  { name: 'finished announce', mode: 'gcm', envelope: dp(23n), message: FINISHED,
    hex: 'ca57 01 04 01 00 0053 0000c0de 80000001 0000000000000017 0001e240 | 4efeccb0ed094eb848591ed022bb3a2486818533c78e00b6005cb38d4129f06ea42fcd34211ea8baa6343f02c240210b3b3c3e0121f81eed09be0249f24f65d8b1148769eaa075024684dd74d871f5d6927dc9 | b8731a5df46500cfbcfdf2af944c0e6c' },
  { name: 'kick', mode: 'gcm', envelope: dp(24n), message: KICK,
    hex: 'ca57 01 07 01 00 0050 0000c0de 80000001 0000000000000018 0001e240 | 55bc2fea600aba992c578778402b82624bcdaf05d3f605ccb863cbb780595748c289f1db5de831d532c5c96e2aaed6d503bceacf96d7969b8f9f367776b91747c25ef56526cedaffffeea45610cfbc84 | 620a1f2a75211a57f43d437e34cd0b16' },
];

export interface SignedDecodeErrorFixture {
  readonly name: string;
  readonly mode: Mode;
  readonly hex: string;
  readonly code: DecodeErrorCode;
}

// Every row carries a valid session tag: the sender knew the session key (an insider), so only the
// signature tells it from the DP.
export const SIGNED_DECODE_ERROR_FIXTURES: readonly SignedDecodeErrorFixture[] = [
  { name: 'finished announce without a signature', mode: 'hmac', code: 'WIRE_UNSIGNED',
    hex: 'ca57 01 04 00 00 0011 0000c0de 80000001 000000000000001a 0001e240 | 08b00910b0091802200c28a0d9e61d4801 | 67939f27eae69aca3cdb2eef4848b872' },
  { name: 'kick signed with an insider key', mode: 'hmac', code: 'WIRE_BAD_SIGNATURE',
    hex: 'ca57 01 07 00 00 0050 0000c0de 80000001 0000000000000019 0001e240 | 08de81dfd00510031a0473746f70 | 7a40 a9bbdb8410080b6ecdf2c65079d1512150563b0ee172e9a4b5bc05da87f483d3eb062bc64e68c68cb7a895fe3d57cd109705b7a97e6502c09719e2e144afa50f | b682f4ba898de85fdca53c2e51165dc4' },
  { name: 'a DP kick replayed under another seq (signature moved)', mode: 'hmac', code: 'WIRE_BAD_SIGNATURE',
    hex: 'ca57 01 07 00 00 0050 0000c0de 80000001 000000000000001b 0001e240 | 08de81dfd00510031a0473746f70 | 7a40 f0b37a5b395f02221b70630389b78711caabea4b4b4e4da19049fef5b18915c11e4ac3914bdd4cb883372b561be02b4d183d374d1be1f517f3dcaeef912f7f0c | ef7f559f6729b5621a5d53dd4906b20d' },
];
