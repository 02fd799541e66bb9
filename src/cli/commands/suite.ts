/**
 * `holoclip suite check|schema`: validate a suite file and print its plan, or print its JSON Schema. Registered
 * apart from `holoclip run` so that checking a suite loads neither the runner, the cluster emitters nor the
 * progress display (test/cli-startup.test.ts).
 */
import type { Command } from 'commander';
import { writeJsonAtomic } from '../../store/atomic.js';
import { loadSuite } from '../../suite/load-suite.js';
import { suiteJsonSchema } from '../../suite/schema.js';
import { COMMAND_LIST } from '../command-list.js';
import { describePlan } from '../describe-plan.js';

export function registerSuite(program: Command): void {
  const suiteCmd = program.command('suite').description(COMMAND_LIST.suite.description);
  suiteCmd
    .command('check')
    .description('validate a suite file (all problems at once) and print its plan; runs nothing')
    .argument('<suite>', 'suite file (YAML)')
    .action(async (file: string) => {
      const suite = await loadSuite(file);
      process.stdout.write(describePlan(suite));
    });
  suiteCmd
    .command('schema')
    .description('print the suite file\'s JSON Schema (draft 2020-12), e.g. for yaml-language-server')
    .option('--out <file>', 'write it to a file instead of stdout')
    .action(async (flags: { out?: string }) => {
      const schema = suiteJsonSchema();
      if (flags.out) await writeJsonAtomic(flags.out, schema);
      else process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
    });
}
