/**
 * A small least-recently-used map bounded by entry count. A Map keeps insertion order, so
 * re-inserting on hit makes the first key the least recently used one.
 */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();
  /** @param onEvict called for each entry pushed out by `set` (not for `delete`) */
  constructor(
    readonly capacity: number,
    private readonly onEvict?: (value: V, key: K) => void,
  ) {}

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      const value = this.map.get(oldest.value) as V;
      this.map.delete(oldest.value);
      this.onEvict?.(value, oldest.value);
    }
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}
