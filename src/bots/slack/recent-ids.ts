// Remembers ids seen lately, to drop Events API redeliveries: Slack retries an event
// (header X-Slack-Retry-Num) when our answer was slow or lost, with the same `event_id`.
// Slack retries up to 3 times within about an hour, so ids are kept that long, bounded in number.
export class RecentIds {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly keepMs = 60 * 60_000,
    private readonly maxIds = 50_000,
  ) {}

  /** True the first time an id is offered (within the window); false for a repeat. */
  firstTime(id: string, now = Date.now()): boolean {
    this.forgetOld(now);
    if (this.seen.has(id)) return false;
    this.seen.set(id, now);
    return true;
  }

  private forgetOld(now: number): void {
    // A Map keeps insertion order: the oldest ids come first.
    for (const [id, at] of this.seen) {
      if (at > now - this.keepMs && this.seen.size < this.maxIds) break;
      this.seen.delete(id);
    }
  }
}
