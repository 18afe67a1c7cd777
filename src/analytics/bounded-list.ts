/**
 * The `limit` smallest items by a comparator, and how many were offered: a list in a report
 * that never holds more than it shows, whatever the number of records. With a total order the
 * result does not depend on the order items arrive in.
 */
export class BoundedList<T> {
  readonly #items: T[] = [];
  readonly #limit: number;
  readonly #compare: (a: T, b: T) => number;
  #offered = 0;

  constructor(limit: number, compare: (a: T, b: T) => number) {
    this.#limit = limit;
    this.#compare = compare;
  }

  /** Offers an item; it is kept when it is among the smallest so far. */
  add(item: T): void {
    this.#offered++;
    const items = this.#items;
    if (items.length === this.#limit && this.#compare(item, items[items.length - 1]!) >= 0) return;
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#compare(items[mid]!, item) <= 0) lo = mid + 1;
      else hi = mid;
    }
    items.splice(lo, 0, item);
    if (items.length > this.#limit) items.pop();
  }

  /** The kept items, smallest first. */
  get items(): readonly T[] {
    return this.#items;
  }

  /** How many items were offered, kept or not. */
  get offered(): number {
    return this.#offered;
  }
}

/** Compares two strings by code unit, the same in every locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
