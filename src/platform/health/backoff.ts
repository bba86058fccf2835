/** Retry delays that double from `first` to `max`, and start over after a success. */
export class Backoff {
  private current: number;

  constructor(
    private readonly first = 500,
    private readonly max = 15_000,
  ) {
    this.current = first;
  }

  next(): number {
    const delay = this.current;
    this.current = Math.min(this.current * 2, this.max);
    return delay;
  }

  reset(): void {
    this.current = this.first;
  }
}
