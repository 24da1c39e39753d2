/**
 * A yes/no probe whose answer is reused for a while, with callers at the same moment sharing one probe, so
 * frequent readiness checks (/readyz every few seconds from every kubelet) cost at most one upstream call per period.
 */
export class CachedProbe {
  private last: { value: boolean; at: number } | undefined;
  private inFlight: Promise<boolean> | undefined;

  constructor(
    private readonly probe: () => Promise<boolean>,
    private readonly cacheMs: number,
  ) {}

  check(): Promise<boolean> {
    if (this.last !== undefined && Date.now() - this.last.at < this.cacheMs) {
      return Promise.resolve(this.last.value);
    }
    this.inFlight ??= this.probe()
      .catch(() => false)
      .then((value) => {
        this.last = { value, at: Date.now() };
        return value;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
