// Human output goes to stderr; stdout carries what the user asked for: the help text, the
// version, or the one machine-readable `--json` result. odl prints no colour (NO_COLOR has
// nothing to turn off); a TTY only changes how the progress bar is drawn.

/** Writes a line of human-readable output to stderr. */
export function say(line = ''): void {
  process.stderr.write(`${line}\n`);
}

/** Writes a warning on stderr (always, `--json` or not). */
export function warn(line: string): void {
  process.stderr.write(`warning: ${line}\n`);
}

/** Writes text the user asked for (help, version) to stdout. */
export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes the machine-readable result to stdout (one JSON document). */
export function emitJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Whether progress and status lines go to stderr: always when stderr is a terminal (`--json`
 * only decides stdout's format), and when it is not, unless `--json` asked for a quiet,
 * machine-read run (e.g. a child of `odl demo`).
 */
export function showProgress(json: boolean): boolean {
  return Boolean(process.stderr.isTTY) || !json;
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
