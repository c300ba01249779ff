import { OdlError } from '@odl/backend';
import { UsageError } from './errors';
import { say } from './output';
import { runBench } from './commands/bench';
import { runProfile } from './commands/profile';
import { runFinetune } from './commands/finetune';
import { runDemo } from './commands/demo';
import { runRanks } from './commands/ranks';
import { runExperiment } from './commands/experiment';

const USAGE = `odl — on-device learning with compressed activations

Usage: odl <command> [options]

Commands:
  demo       fine-tune the shipped model with vanilla and ASI and compare (the README's main job)
  finetune   fine-tune a model on a dataset with a compression method
  ranks      measure the perplexity table and choose ranks for a memory budget
  profile    FLOPs and activation-memory tables for a model configuration
  experiment the paper's Figure 1 here: top-1 against memory and FLOPs, and its headline ratios
  bench      run the performance suite

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

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name == null || name === '--help' || name === '-h' || name === 'help') {
    say(USAGE);
    return name == null ? 2 : 0;
  }
  const command = commands[name];
  if (command == null) {
    say(`odl: unknown command '${name}'. Commands: ${Object.keys(commands).join(', ')}.`);
    return 2;
  }
  try {
    await command(rest);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      say(`odl ${name}: ${e.message}\nRun 'odl ${name} --help' for the options.`);
      return 2;
    }
    if (e instanceof OdlError) {
      say(`odl ${name}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

// `pnpm start -- --json` passes a lone `--` before the options: it separates nothing here.
main(process.argv.slice(2).filter((a, i) => !(a === '--' && i > 0))).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
