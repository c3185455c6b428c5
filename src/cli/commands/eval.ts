import type { Command } from 'commander';
import { CharTokenizer } from '../../data/char-tokenizer.js';
import { readTextCorpus } from '../../data/text-corpus.js';
import { encodeText } from '../../data/tokenizer.js';
import { evaluateLM } from '../../apps/charlm/evaluate.js';
import { loadCharLM } from '../../apps/charlm/load.js';
import { positiveInt } from '../options.js';

interface EvalFlags { data: string; skipUnknown?: boolean; batchSize: number; json?: boolean }

export function registerEval(program: Command): void {
  program.command('eval')
    .description('loss and perplexity of a trained model on a text file (nats and bits per character)')
    .argument('<run>', 'run folder (or checkpoint file) written by rnnkit train')
    .requiredOption('--data <path>', 'text file (or folder of .txt files) to score')
    .option('--skip-unknown', 'drop characters the model has never seen instead of stopping at the first one')
    .option('--batch-size <n>', 'parallel streams', positiveInt('batch-size'), 32)
    .option('--json', 'print the figures as one JSON object')
    .action((run: string, f: EvalFlags) => {
      const { model, vocab } = loadCharLM(run);
      let text = readTextCorpus(f.data);
      let skipped = 0;
      if (f.skipUnknown) {
        const kept = [...text].filter((ch) => vocab.has(ch));
        skipped = [...text].length - kept.length;
        text = kept.join('');
      }
      let ids: Int32Array;
      try {
        ids = encodeText(text, new CharTokenizer(), vocab, f.data);
      } catch (e) {
        throw new Error(`${(e as Error).message.replace(/: build the vocabulary.*$/, '')}; the model cannot score characters it never saw: add --skip-unknown to leave them out`);
      }
      const r = evaluateLM(model, ids, { batchSize: f.batchSize });
      if (f.json) {
        process.stdout.write(JSON.stringify({ data: f.data, ...r, skippedCharacters: skipped }) + '\n');
      } else {
        process.stdout.write(`${f.data}: ${r.tokens} characters scored${skipped ? ` (${skipped} unknown characters skipped)` : ''}\n` +
          `loss ${r.loss.toFixed(4)} nats/char, ${r.bitsPerChar.toFixed(4)} bits/char, perplexity ${r.perplexity.toFixed(3)}\n`);
      }
    });
}
