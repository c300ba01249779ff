// The `odl` executable: runs the command line and exits with its code.
import './backends';
import { runCli } from './cli';

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    // runCli catches what commands throw; this is only reached by a failure of odl itself.
    process.stderr.write(`odl: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
