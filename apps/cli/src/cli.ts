// The `odl` command line: dispatch to a command, the conventions every command shares (--help,
// --version, --debug, `--`), and how failures are shown. `main.ts` runs it as a process.
import { suggest } from '@odl/core';
import { describeFailure, EXIT } from './errors';
import { print, say } from './output';
import { cliVersion } from './version';
import { runBench } from './commands/bench';
import { runProfile } from './commands/profile';
import { runFinetune } from './commands/finetune';
import { runDemo } from './commands/demo';
import { runRanks } from './commands/ranks';
import { runExperiment } from './commands/experiment';

/** The top-level help (`odl --help`). */
export const USAGE = `odl — on-device learning with compressed activations

Usage: odl <command> [options]
       odl <command> --help | -h
       odl --version | -v

Commands:
  demo       fine-tune the shipped model with vanilla and ASI and compare (the README's main job)
  finetune   fine-tune a model on a dataset with a compression method
  ranks      measure the perplexity table and choose ranks for a memory budget
  profile    FLOPs and activation-memory tables for a model configuration
  experiment the paper's Figure 1 here: top-1 against memory and FLOPs, and its headline ratios
  bench      run the performance suite

Options of every command:
  --help, -h  print the command's options on stdout
  --debug     show the stack trace of an error
  --json      (where a command has a result) print it as JSON on stdout; progress stays on stderr

Exit codes: 0 done, 1 bad data or files, or a failed run, 2 a mistake in the command line.
Run 'odl <command> --help' for the options of a command.`;

type Command = (argv: string[]) => Promise<void>;

const commands: Record<string, Command> = {
  bench: runBench,
  profile: runProfile,
  finetune: runFinetune,
  demo: runDemo,
  ranks: runRanks,
  experiment: runExperiment,
};

/**
 * Runs `odl <argv>` in this process and resolves with the exit code (it never exits): help and
 * the version go to stdout, messages to stderr. `--` is accepted anywhere and separates nothing
 * (no command takes positional arguments; `pnpm start -- --json` passes one). `--debug` adds
 * stack traces to error messages.
 *
 * @example
 * ```ts
 * const code = await runCli(['profile', '--layers', '2', '--json']);
 * ```
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--' && a !== '--debug');
  const [name, ...rest] = args;
  if (name == null) {
    say(USAGE);
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h') {
    print(USAGE);
    return EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    print(cliVersion());
    return EXIT.ok;
  }
  if (name === 'help') {
    const topic = rest[0];
    if (topic == null) {
      print(USAGE);
      return EXIT.ok;
    }
    return runCli([topic, '--help']);
  }
  const command = commands[name];
  if (command == null) {
    const hint = suggest(name, Object.keys(commands));
    say(`odl: unknown ${name.startsWith('-') ? 'option' : 'command'} '${name}'${hint}. Commands: ${Object.keys(commands).join(', ')}; run 'odl --help'.`);
    return EXIT.usage;
  }
  try {
    await command(rest);
    return EXIT.ok;
  } catch (e) {
    const failure = describeFailure(e, name, debug);
    say(failure.text);
    return failure.code;
  }
}

