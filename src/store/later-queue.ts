/**
 * The memory store's QUEUED messages that are not due yet (a retry later, a schedule, a wait
 * for a link), earliest first, so that a claim or nextDue looks at the first of them only.
 * Walking past each of them at every poll instead, with 100 000 set aside, made an idle gateway
 * allocate ~7 MB a second, and V8 never found it idle enough to give memory back.
 *
 * A binary heap with lazy removal: an entry taken out (the message changed) stays in the heap
 * until it reaches the top, or until stale entries outnumber live ones and the heap is rebuilt.
 */
interface Entry {
  readonly id: string;
  readonly at: number;
  /** Orders the entries due at the same time in the order they were added. */
  readonly order: number;
}

export class LaterQueue {
  private heap: Entry[] = [];
  private readonly live = new Map<string, Entry>();
  private added = 0;

  add(id: string, at: number): void {
    const entry = { id, at, order: this.added++ };
    this.live.set(id, entry);
    this.push(entry);
  }

  remove(id: string): void {
    if (!this.live.delete(id)) return;
    if (this.heap.length > 2 * this.live.size + 1024) this.rebuild();
  }

  /** Takes out the entries due at `now`, earliest first. */
  takeDue(now: number): { readonly id: string; readonly at: number }[] {
    const due: Entry[] = [];
    for (let top = this.heap[0]; top !== undefined && top.at <= now; top = this.heap[0]) {
      this.pop();
      if (this.live.get(top.id) !== top) continue;
      this.live.delete(top.id);
      due.push(top);
    }
    return due;
  }

  earliest(): number | undefined {
    let top = this.heap[0];
    while (top !== undefined && this.live.get(top.id) !== top) {
      this.pop();
      top = this.heap[0];
    }
    return top?.at;
  }

  private rebuild(): void {
    this.heap = [];
    for (const entry of this.live.values()) this.push(entry);
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    let index = heap.length;
    heap.push(entry);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = last;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}
