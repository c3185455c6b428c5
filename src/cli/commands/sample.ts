import type { Command } from 'commander';
import { generateText } from '../../apps/charlm/generate.js';
import { loadCharLM } from '../../apps/charlm/load.js';
import { Random } from '../../util/random.js';
import { float, positiveInt } from '../options.js';

interface SampleFlags { prime?: string; length: number; temperature: number; topK: number; topP: number; seed: number; json?: boolean }

export function registerSample(program: Command): void {
  program.command('sample')
    .description('generate text from a trained model, streaming characters as they come')
    .argument('<run>', 'run folder (or checkpoint file) written by rnnkit train')
    .option('--prime <text>', 'text to start from (default: a newline)')
    .option('--length <n>', 'characters to generate', positiveInt('length', 0), 500)
    .option('--temperature <t>', 'sampling temperature; 0 always picks the most likely character', float('temperature', 0, 100), 0.8)
    .option('--top-k <k>', 'sample only among the k most likely characters (0 = all)', positiveInt('top-k', 0), 0)
    .option('--top-p <p>', 'sample only among the most likely characters whose probability adds up to p', float('top-p', 1e-9, 1), 1)
    .option('--seed <n>', 'random seed', positiveInt('seed', 0), 0)
    .option('--json', 'print one JSON object {prime, text, ...} instead of streaming text')
    .action((run: string, f: SampleFlags) => {
      const { model, vocab } = loadCharLM(run);
      const prime = f.prime ?? '\n';
      const opts = { prime, length: f.length, temperature: f.temperature, topK: f.topK, topP: f.topP, rng: new Random(f.seed) };
      if (f.json) {
        const text = generateText(model, vocab, opts);
        process.stdout.write(JSON.stringify({ prime, text, temperature: f.temperature, topK: f.topK, topP: f.topP, seed: f.seed }) + '\n');
        return;
      }
      // The prime is echoed only once generateText has accepted it, so a priming text with an
      // unknown character prints nothing but the error.
      let echoed = !f.prime;
      const echoPrime = () => { if (!echoed) { process.stdout.write(prime); echoed = true; } };
      generateText(model, vocab, { ...opts, onChar: (ch) => { echoPrime(); process.stdout.write(ch); } });
      echoPrime();
      process.stdout.write('\n');
    });
}
