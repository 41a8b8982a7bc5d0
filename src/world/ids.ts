/** Per-prefix counters for the ids of things a world creates; the same call order gives the same ids. */
export class IdSource {
  readonly #counters = new Map<string, number>();

  nextNumber(prefix: string): number {
    const n = (this.#counters.get(prefix) ?? 0) + 1;
    this.#counters.set(prefix, n);
    return n;
  }

  nextId(prefix: string): string {
    return `${prefix}_${this.nextNumber(prefix)}`;
  }
}
