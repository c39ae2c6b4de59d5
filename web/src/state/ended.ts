// What access ended on this page (AccessEnded), and when it counts as back. A thread ends when
// it is marked sensitive or falls out of a narrowed consent; it is readable again when it is
// unmarked or a new consent names it. kringd says the first with an event, the second only by
// listing the thread again. A list asked before the AccessEnded arrived may still show what
// ended, so only a list asked after it brings anything back: every end gets a number from a
// counter, and a list carries the counter's value when it was asked. (kringd sends the event
// inside the write, before any later answer, so a request sent after it sees the change.) Pure.
export class EndedAccess {
  private counter = 0;
  private readonly networks = new Map<bigint, number>();  // network id -> when it ended
  private readonly threads = new Map<bigint, number>();   // thread id -> when it ended

  // The counter now: give it to a list as it is asked.
  get now(): number {
    return this.counter;
  }

  endNetwork(networkId: bigint): void {
    this.networks.set(networkId, ++this.counter);
  }

  endThreads(threadIds: readonly bigint[]): void {
    const at = ++this.counter;
    for (const id of threadIds) this.threads.set(id, at);
  }

  // A list of the network asked at `askedAt` answered, with these threads: the network, and
  // those of its threads that ended before it was asked, are readable again. True when
  // something changed.
  listed(networkId: bigint, threadIds: readonly bigint[], askedAt: number): boolean {
    let changed = false;
    const network = this.networks.get(networkId);
    if (network !== undefined && network <= askedAt) {
      this.networks.delete(networkId);
      changed = true;
    }
    for (const id of threadIds) {
      const at = this.threads.get(id);
      if (at !== undefined && at <= askedAt) {
        this.threads.delete(id);
        changed = true;
      }
    }
    return changed;
  }

  networkIds(): ReadonlySet<bigint> {
    return new Set(this.networks.keys());
  }
  threadIds(): ReadonlySet<bigint> {
    return new Set(this.threads.keys());
  }
}
