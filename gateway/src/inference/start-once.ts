/**
 * A backend's start(): callers at the same moment share one attempt, a successful one is kept, and a failed one
 * is forgotten so that the caller can try again (e.g. Triton came up later).
 */
export class StartOnce {
  private attempt: Promise<void> | undefined;

  constructor(private readonly start: () => Promise<void>) {}

  run(): Promise<void> {
    this.attempt ??= this.start().catch((err: unknown) => {
      this.attempt = undefined;
      throw err;
    });
    return this.attempt;
  }

  /** Waits for an attempt in progress, whatever its outcome: close() must not release what it is still loading. */
  async settled(): Promise<void> {
    await this.attempt?.catch(() => undefined);
  }
}
