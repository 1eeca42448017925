import { admit, FULL_RETRY_MS, HELD_RETRY_MS, type Admission, type AdmissionImage, type AdmissionLimits, type AdmissionRequest, type AdmissionSession } from './admission';

const T0 = Date.parse('2026-11-24T00:00:00Z');

const ask: AdmissionRequest = { waiter: 'pc1@10.0.0.5', cancelNoticeDue: false, wasHeld: false, mtu: 1500 };
const jumboAsk: AdmissionRequest = { ...ask, mtu: 9000 };
const resumed = (fallback: boolean, tier = 0): AdmissionRequest => ({ ...ask, client: { fallback, tier } });
const held: AdmissionRequest = { ...ask, wasHeld: true };
const cancelledFor: AdmissionRequest = { ...ask, cancelNoticeDue: true };

const image: AdmissionImage = { multicastOnly: false, allZeros: false };
const mcOnly: AdmissionImage = { ...image, multicastOnly: true };
const zeros: AdmissionImage = { ...image, allZeros: true };

const running: AdmissionSession = { state: 'running', waiting: [] };
/** Started with 9000-byte-MTU agents: 8900-byte symbols, 8950-byte datagrams. */
const jumbo: AdmissionSession = { ...running, symbolSize: 8900 };
/** Waits for three agents (two there), or until T0 + 60 s, at the latest T0 + 120 s. */
const waiting: AdmissionSession = { state: 'waiting', waiting: ['pc2@10.0.0.6', 'pc3@10.0.0.7'], minClients: 4, startsAtMs: T0 + 60_000, deadlineMs: T0 + 120_000 };
const oneShort: AdmissionSession = { ...waiting, minClients: 3 };
const unconditioned: AdmissionSession = { state: 'waiting', waiting: [] };

const room: AdmissionLimits = { maxClients: 10, activeClients: 3, longPollMs: 0 };
const longPoll: AdmissionLimits = { ...room, longPollMs: 2000 };
const full: AdmissionLimits = { ...room, activeClients: 10 };

type Row = [name: string, req: AdmissionRequest, img: AdmissionImage, session: AdmissionSession | undefined, limits: AdmissionLimits, nowMs: number, expected: Admission];

describe('admit', () => {
  it.each<Row>([
    // Before the session is looked up.
    ['an agent asks for an image: its session is looked up (tier 0)', ask, image, undefined, room, T0, { kind: 'find-session', tier: 0 }],
    ['a client demoted to tier 2 looks up the tier-2 session', resumed(false, 2), image, undefined, room, T0, { kind: 'find-session', tier: 2 }],
    ['an agent that waited for a cancelled session is told so', cancelledFor, image, undefined, room, T0, { kind: 'cancelled' }],
    ['the cancel notice comes before an earlier fallback', { ...resumed(true), cancelNoticeDue: true }, image, undefined, room, T0, { kind: 'cancelled' }],
    ['a client kicked to unicast before stays on unicast', resumed(true), image, undefined, room, T0, { kind: 'fallback', reason: 'kicked to unicast earlier' }],
    ['a client kicked before asks for a multicast-only image: its session is looked up', resumed(true), mcOnly, undefined, room, T0, { kind: 'find-session', tier: 0 }],
    ['an image of zeros has nothing to send', ask, zeros, undefined, room, T0, { kind: 'nothing-to-send', reason: 'the image is all zeros: nothing to send' }],
    ['an image of zeros has nothing to send, multicast-only too', ask, { ...zeros, multicastOnly: true }, undefined, room, T0, { kind: 'nothing-to-send', reason: 'the image is all zeros: nothing to send' }],

    // A running session.
    ['a running session with room: join', ask, image, running, room, T0, { kind: 'join' }],
    ['the client limit reached: fallback', ask, image, running, full, T0, { kind: 'fallback', reason: 'client limit reached (10 of 10 receiving)' }],
    ['the client limit reached, multicast-only: full (asks again in 5 s)', ask, mcOnly, running, full, T0, { kind: 'full', retryAfterMs: FULL_RETRY_MS, reason: 'client limit reached (10 of 10 receiving); image is multicast-only' }],
    ['a running session ignores a cancel notice of another, earlier session', cancelledFor, image, running, room, T0, { kind: 'join' }],

    // Symbol size and MTU (issue 29.4): a session's packets must fit a joiner's interface.
    ['a 1500-byte agent joins a session of 1400-byte symbols', ask, image, { ...running, symbolSize: 1400 }, room, T0, { kind: 'join' }],
    ['a 9000-byte agent joins a session of 8900-byte symbols', jumboAsk, image, jumbo, room, T0, { kind: 'join' }],
    ['a 9000-byte agent joins a session of 1400-byte symbols', jumboAsk, image, { ...running, symbolSize: 1400 }, room, T0, { kind: 'join' }],
    ['a late 1500-byte agent at a jumbo session: unicast, saying why', ask, image, jumbo, room, T0, { kind: 'fallback', reason: "the session sends 8900-byte symbols, more than this agent's MTU of 1500 carries unfragmented (1422)" }],
    ['a late 1500-byte agent at a jumbo session, multicast-only: waits for the session to end', ask, mcOnly, jumbo, room, T0, { kind: 'full', retryAfterMs: FULL_RETRY_MS, reason: "the session sends 8900-byte symbols, more than this agent's MTU of 1500 carries unfragmented (1422); image is multicast-only: waiting for this session to end" }],
    ['an MTU one byte short of the session\'s packets is too small', { ...ask, mtu: 8977 }, image, jumbo, room, T0, { kind: 'fallback', reason: "the session sends 8900-byte symbols, more than this agent's MTU of 8977 carries unfragmented (8899)" }],
    ['an MTU that fits the packets exactly joins', { ...ask, mtu: 8978 }, image, jumbo, room, T0, { kind: 'join' }],
    ['held until a jumbo session started, a 1500-byte agent: unicast', held, image, jumbo, longPoll, T0, { kind: 'fallback', reason: "the session sends 8900-byte symbols, more than this agent's MTU of 1500 carries unfragmented (1422)" }],

    // A waiting (scheduled) session.
    ['not started yet, no long poll: asked to retry in 2 s at most', ask, image, waiting, room, T0, { kind: 'not-started', retryAfterMs: 2000 }],
    ['not started yet, retry at the start time when it is near', ask, image, waiting, room, T0 + 59_300, { kind: 'not-started', retryAfterMs: 700 }],
    ['not started yet with the long poll: held', ask, image, waiting, longPoll, T0, { kind: 'hold', ms: 2000 }],
    ['this agent is the last one --min-clients waits for: start', ask, image, oneShort, room, T0, { kind: 'start', why: 'min-clients' }],
    ['an agent already counted does not count twice', { ...ask, waiter: 'pc2@10.0.0.6' }, image, oneShort, longPoll, T0, { kind: 'hold', ms: 2000 }],
    ['the start time has come: start', ask, image, waiting, longPoll, T0 + 60_000, { kind: 'start', why: 'start-time' }],
    ['max-wait reached before the start time: start', ask, image, { ...waiting, startsAtMs: T0 + 600_000 }, longPoll, T0 + 120_000, { kind: 'start', why: 'max-wait' }],
    ['scheduled without any condition: start at once', ask, image, unconditioned, longPoll, T0, { kind: 'start', why: 'immediate' }],

    // After a held request.
    ['held, the session started meanwhile: join', held, image, running, longPoll, T0, { kind: 'join' }],
    ['held, started meanwhile, but the limit was reached: fallback', held, image, running, { ...full, longPollMs: 2000 }, T0, { kind: 'fallback', reason: 'client limit reached (10 of 10 receiving)' }],
    ['held until the hold ran out, still waiting: ask again in 250 ms (never held twice)', held, image, waiting, longPoll, T0, { kind: 'not-started', retryAfterMs: HELD_RETRY_MS }],
    ['held, the start condition met meanwhile by time only: ask again (the tick starts it)', held, image, waiting, longPoll, T0 + 60_000, { kind: 'not-started', retryAfterMs: HELD_RETRY_MS }],
    ['held, the administrator cancelled the session: told so', { ...held, cancelNoticeDue: true }, image, { ...waiting, state: 'cancelled' }, longPoll, T0, { kind: 'cancelled' }],
    ['held, the session was cancelled, notice already given: ask again', held, image, { ...waiting, state: 'cancelled' }, longPoll, T0, { kind: 'not-started', retryAfterMs: HELD_RETRY_MS }],
    ['held, the session failed to start: ask again', held, image, { ...waiting, state: 'failed' }, longPoll, T0, { kind: 'not-started', retryAfterMs: HELD_RETRY_MS }],
  ])('%s', (_name, req, img, session, limits, nowMs, expected) => {
    expect(admit(req, img, session, limits, nowMs)).toEqual(expected);
  });

  it('is pure: it changes neither the session it is shown nor the request', () => {
    const session = { ...oneShort, waiting: [...oneShort.waiting] };
    const req = { ...ask };
    admit(req, image, session, longPoll, T0);
    expect(session).toEqual(oneShort);
    expect(req).toEqual(ask);
  });
});
