#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerEval } from './commands/eval.js';
import { registerGradlab } from './commands/gradlab.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerPlot } from './commands/plot.js';
import { registerSample } from './commands/sample.js';
import { registerTrain } from './commands/train.js';
import { UsageError } from './options.js';

// Exit codes: 0 success, 1 the work failed (bad data, damaged checkpoint, divergence),
// 2 the command was called wrongly, 130 interrupted by Ctrl-C after saving a checkpoint.

const program = new Command('rnnkit')
  .description('recurrent neural networks: train, sample and evaluate character-level language models')
  .version('0.1.0')
  .exitOverride()
  .configureOutput({ outputError: (s, write) => write(s.startsWith('error:') ? `rnnkit: ${s}` : s) });
registerTrain(program);
registerSample(program);
registerEval(program);
registerPlot(program);
registerGradlab(program);
registerExport(program);
registerImport(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else if (e instanceof UsageError) {
    process.stderr.write(`rnnkit: ${e.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`rnnkit: ${(e as Error).message ?? String(e)}\n`);
    if (process.env.RNNKIT_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    process.exitCode = 1;
  }
}
