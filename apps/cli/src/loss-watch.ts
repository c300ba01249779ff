// A warning when training diverges: a step's loss that is not finite, or an epoch's mean loss
// more than `factor` times the loss the run started at (a fresh classifier starts near ln K).

/** Watches a run's losses; `warn` is called at most once per kind of problem. */
export class LossWatch {
  private start: number | null = null;
  private warnedNonFinite = false;
  private warnedGrowth = false;

  /**
   * @param warn - prints a warning (stderr)
   * @param fix - what the user can change, appended to the warning (e.g. "lower --lr (now 100)")
   * @param factor - how many times the starting loss counts as diverging (default 10)
   */
  constructor(
    private readonly warn: (line: string) => void,
    private readonly fix: string,
    private readonly factor = 10,
  ) {}

  /** Feeds the loss of one training step (1-based `step`). */
  step(step: number, loss: number): void {
    if (!Number.isFinite(loss)) {
      if (!this.warnedNonFinite) this.warn(`the training loss is ${loss} at step ${step}: training diverged; ${this.fix}`);
      this.warnedNonFinite = true;
      return;
    }
    this.start ??= loss;
  }

  /** Feeds the mean training loss of an epoch (0-based `epoch`). */
  epoch(epoch: number, loss: number): void {
    if (!Number.isFinite(loss)) {
      if (!this.warnedNonFinite) this.warn(`the training loss is ${loss} in epoch ${epoch + 1}: training diverged; ${this.fix}`);
      this.warnedNonFinite = true;
      return;
    }
    if (this.start == null || this.warnedGrowth || !(loss > this.factor * this.start)) return;
    this.warnedGrowth = true;
    this.warn(`the training loss is diverging: ${loss.toPrecision(4)} in epoch ${epoch + 1}, more than ${this.factor}× the ${this.start.toPrecision(4)} of the first step; ${this.fix}`);
  }
}
