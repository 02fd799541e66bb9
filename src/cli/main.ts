/**
 * holoclip command line. Thin: parses flags, delegates to tasks, prints a summary, maps errors to
 * one line and an exit code (0 ok, 1 bad input / failed run, 2 bad usage).
 */
import { Command, Help } from 'commander';
import { HoloclipError, errorMessage } from '../errors.js';
import { describeFsError } from '../util/fs-errors.js';
import { HOLOCLIP_VERSION } from '../util/version.js';
import { COMMAND_LIST, type CommandName } from './command-list.js';

/** Each command's module, imported only when that command is parsed (module loading is most of a short command's time). */
const REGISTER: Record<CommandName, (program: Command) => Promise<unknown>> = {
  eval: async (p) => (await import('./commands/eval.js')).registerEval(p.command('eval').description(COMMAND_LIST.eval.description)),
  score: async (p) => (await import('./commands/score.js')).registerScore(p),
  run: async (p) => (await import('./commands/run.js')).registerRun(p),
  suite: async (p) => (await import('./commands/suite.js')).registerSuite(p),
  corrupt: async (p) => (await import('./commands/corrupt.js')).registerCorrupt(p),
  data: async (p) => (await import('./commands/data.js')).registerData(p),
  analyze: async (p) => (await import('./commands/analyze.js')).registerAnalyze(p),
  bench: async (p) => (await import('./commands/bench.js')).registerBench(p),
  store: async (p) => (await import('./commands/store.js')).registerStore(p),
  model: async (p) => {
    const [inspect, catalog] = await Promise.all([import('./commands/model-inspect.js'), import('./commands/model-catalog.js')]);
    return catalog.registerModelCatalog(inspect.registerModelInspect(p));
  },
};

const isCommand = (name: string | undefined): name is CommandName => name !== undefined && Object.hasOwn(COMMAND_LIST, name);

/**
 * The program for these arguments: the named command in full (`holoclip help NAME` too); without one (`--help`,
 * `--version`, an unknown name), every command as a name and description only, which is all the top-level help shows.
 */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
  const program = new Command();
  program
    .name('holoclip')
    .description('Holistic robustness evaluation of CLIP-family models exported to ONNX (Hugging Face / transformers.js layout).')
    .version(HOLOCLIP_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });

  const [first, second] = argv.slice(2);
  const name = first === 'help' ? second : first;
  if (isCommand(name)) {
    await REGISTER[name](program);
  } else {
    for (const [n, entry] of Object.entries(COMMAND_LIST)) program.command(n).description(entry.description);
    program.configureHelp({
      subcommandTerm(cmd) {
        const n = cmd.name();
        return isCommand(n) ? COMMAND_LIST[n].term : Help.prototype.subcommandTerm.call(this, cmd);
      },
    });
  }
  return program;
}

let pipeHandlers = false;

/**
 * A reader that stops early (`holoclip score --help | head -3`) closes stdout; the next write fails with EPIPE,
 * which Node raises as an unhandled 'error' event (a stack trace). The output went as far as anyone reads it, so
 * the process ends quietly with exit code 0, whatever the command (as ripgrep does). An EPIPE on stderr is ignored.
 */
function endQuietlyWhenOutputCloses(): void {
  if (pipeHandlers) return;
  pipeHandlers = true;
  const isEpipe = (err: unknown): boolean => (err as { code?: unknown }).code === 'EPIPE';
  process.stdout.on('error', (err) => {
    if (isEpipe(err)) process.exit(0);
    throw err;
  });
  process.stderr.on('error', (err) => {
    if (!isEpipe(err)) throw err;
  });
}

export async function main(argv: string[]): Promise<number> {
  endQuietlyWhenOutputCloses();
  const program = await buildProgram(argv);
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
