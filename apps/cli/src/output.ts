// Human output goes to stderr; stdout is reserved for the one machine-readable `--json` result.

/** Writes a line of human-readable output to stderr. */
export function say(line = ''): void {
  process.stderr.write(`${line}\n`);
}

/** Writes the machine-readable result to stdout (one JSON document). */
export function emitJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A one-line progress bar on stderr, redrawn in place when stderr is a terminal. */
export class ProgressBar {
  private lastDrawMs = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {}

  /** Redraws the bar at `done` of `total`, with a short status text. */
  update(done: number, status = ''): void {
    const now = Date.now();
    const finished = done >= this.total;
    if (!finished && now - this.lastDrawMs < (this.tty ? 100 : 5000)) return;
    this.lastDrawMs = now;
    const width = 24;
    const filled = Math.round((Math.min(done, this.total) / Math.max(1, this.total)) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const line = `${this.label} ${bar} ${done}/${this.total} ${status}`;
    if (this.tty) process.stderr.write(`\r${line}\x1b[K${finished ? '\n' : ''}`);
    else process.stderr.write(`${line}\n`);
  }
}
