// One FEC block while it is being received (the receiver engine's per-block state).

/**
 * A block being received. Source symbols are copied into the block's own buffer as they arrive
 * and parity symbols into copies of their own, so no datagram is kept alive: at line rate a
 * retained datagram per symbol (a few thousand across the interleave window) outlives the young
 * generation and makes V8 collect the old one dozens of times per image.
 */
export class PartialBlock {
  /** k source symbols, zero-padded: the block as delivered once complete. */
  readonly data: Uint8Array;
  /** 1 where symbol index i (0..254) is held. */
  private readonly has = new Uint8Array(255);
  readonly parity = new Map<number, Uint8Array>();
  size = 0;

  /** @param data k * symbolSize bytes to fill (from a pool: contents unspecified). */
  constructor(
    readonly k: number,
    private readonly symbolSize: number,
    data?: Uint8Array,
  ) {
    this.data = data ?? new Uint8Array(k * symbolSize);
  }

  holds(symbol: number): boolean {
    return this.has[symbol] === 1;
  }

  add(symbol: number, payload: Uint8Array): void {
    this.has[symbol] = 1;
    this.size++;
    if (symbol < this.k) {
      const at = symbol * this.symbolSize;
      this.data.set(payload, at);
      // A short source symbol is zero-padded (the sender's parity assumes zeros there), and a
      // pooled buffer holds an older block's bytes.
      if (payload.length < this.symbolSize) this.data.fill(0, at + payload.length, at + this.symbolSize);
    } else {
      // A real copy: the payload is a view into its datagram, and on a Buffer `.slice()` is a
      // view too, which would keep the datagram's whole backing store alive while the block waits.
      this.parity.set(symbol, new Uint8Array(payload));
    }
  }

  /** The held symbols as views, for the Reed-Solomon decoder (only needed when parity is held). */
  received(): Map<number, Uint8Array> {
    const m = new Map<number, Uint8Array>(this.parity);
    for (let i = 0; i < this.k; i++) if (this.has[i] === 1) m.set(i, this.data.subarray(i * this.symbolSize, (i + 1) * this.symbolSize));
    return m;
  }
}
