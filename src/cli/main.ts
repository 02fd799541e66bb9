/**
 * holoclip command line. Thin: parses flags, delegates to tasks, prints a summary, maps errors to
 * one line and an exit code (0 ok, 1 bad input / failed run, 2 bad usage).
 */
import { Command } from 'commander';
import { HoloclipError, errorMessage } from '../errors.js';
import { describeFsError } from '../util/fs-errors.js';
import { HOLOCLIP_VERSION } from '../util/version.js';
import { registerEval } from './commands/eval.js';
import { registerModelInspect } from './commands/model-inspect.js';
import { registerModelCatalog } from './commands/model-catalog.js';
import { registerScore } from './commands/score.js';
import { registerBench } from './commands/bench.js';
import { registerRun } from './commands/run.js';
import { registerCorrupt } from './commands/corrupt.js';
import { registerData } from './commands/data.js';
import { registerAnalyze } from './commands/analyze.js';
import { registerStore } from './commands/store.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('holoclip')
    .description('Holistic robustness evaluation of CLIP-family models exported to ONNX (Hugging Face / transformers.js layout).')
    .version(HOLOCLIP_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });

  const evalCmd = program.command('eval').description('evaluate a model on datasets (embeddings cached in the store)');
  registerEval(evalCmd);
  registerScore(program);
  registerRun(program);
  registerCorrupt(program);
  registerData(program);
  registerAnalyze(program);
  registerBench(program);
  registerStore(program);
  registerModelCatalog(registerModelInspect(program));
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // commander already printed the message, the help or the version
      return (err as { exitCode?: number }).exitCode === 0 ? 0 : 2;
    }
    if (err instanceof HoloclipError) {
      process.stderr.write(`holoclip: ${err.message}\n`);
      return 1;
    }
    // A file-system error no module wrapped (disk full, read-only, permission...): what it means, the file, the fix.
    const known = describeFsError(err);
    if (known !== null) {
      process.stderr.write(`holoclip: ${known}\n`);
      if (process.env.HOLOCLIP_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
      return 1;
    }
    process.stderr.write(`holoclip: unexpected error: ${errorMessage(err)}\n`);
    if (process.env.HOLOCLIP_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    else process.stderr.write('(set HOLOCLIP_DEBUG=1 for a stack trace)\n');
    return 1;
  }
}
