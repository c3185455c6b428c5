// The README's library example: train a character model for a minute, then write with it.
// Run: npm run build && node dist/examples/charlm.js
import { readFileSync } from 'node:fs';
import { trainCharLM, loadCharLM, generateText, Random } from '../src/index.js';

const text = readFileSync('data/tinyshakespeare/input.txt', 'utf8');
const run = trainCharLM({ text, outDir: 'runs/demo', hiddenSize: 128, maxSeconds: 60 });
console.log(`validation loss ${run.validationLoss.toFixed(3)} nats/char`);

const { model, vocab } = loadCharLM('runs/demo');
console.log(generateText(model, vocab, { prime: 'ROMEO:\n', length: 300, temperature: 0.8, rng: new Random(1) }));
