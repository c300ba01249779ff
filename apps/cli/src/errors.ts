import { OdlError } from '@odl/backend';

/** A mistake in the command line: printed with the usage hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A problem with the user's files (data, model, output folder) found by the CLI itself: exit
 * code 1, like the typed errors of the libraries.
 */
export class DataError extends OdlError {
  constructor(code: string, message: string) {
    super(code, message);
  }
}

/** Exit codes of `odl`. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** How a failure is shown: the exit code and the text printed on stderr. */
export interface Failure {
  /** 2 for a usage error, 1 for anything else. */
  code: number;
  /** What to print (already prefixed with `odl <command>: `). */
  text: string;
}

// Node's file-system errors name the path and say what went wrong; they are the user's problem
// (a missing file, a full disk, a read-only folder), not the program's.
const FILE_ERRORS = new Set(['ENOENT', 'EACCES', 'EPERM', 'ENOSPC', 'EROFS', 'ENOTDIR', 'EISDIR', 'EEXIST', 'EDQUOT', 'EMFILE', 'ENAMETOOLONG', 'ELOOP', 'EIO']);

function isFileError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && FILE_ERRORS.has((e as NodeJS.ErrnoException).code!);
}

/**
 * Turns anything a command threw into an exit code and a message. Usage errors get the help hint
 * (exit 2); typed errors (odl's, file-system errors) their message (exit 1); anything else its
 * message and a hint to rerun with `--debug`. A stack trace is shown only with `debug`.
 *
 * @example
 * ```ts
 * const { code, text } = describeFailure(new UsageError('--epochs must be a number'), 'finetune', false);
 * ```
 */
export function describeFailure(e: unknown, command: string, debug: boolean): Failure {
  const prefix = `odl ${command}:`;
  const stack = debug && e instanceof Error && e.stack ? `\n${e.stack}` : '';
  if (e instanceof UsageError) return { code: EXIT.usage, text: `${prefix} ${e.message}\nRun 'odl ${command} --help' for the options.${stack}` };
  if (e instanceof OdlError || isFileError(e)) return { code: EXIT.failure, text: `${prefix} ${e.message}${stack}` };
  const message = e instanceof Error ? e.message : String(e);
  return { code: EXIT.failure, text: `${prefix} unexpected error: ${message}${stack || '\n(run again with --debug for the stack trace)'}` };
}
