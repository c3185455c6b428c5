import type { Vocabulary } from '../../data/vocabulary.js';
import { noGrad } from '../../tensor/autograd.js';
import type { Random } from '../../util/random.js';
import type { CharLM, RecurrentState } from './model.js';
import { type SamplingOptions, sampleFromLogits, validateSamplingOptions } from './sampler.js';

// Text generation: run the priming text through the model, then feed each sampled character
// back in, one step at a time, carrying the recurrent state.

export interface GenerateOptions extends SamplingOptions {
  prime?: string;
  length: number;
  rng: Random;
  /** Called with each generated character as soon as it exists (streaming output). */
  onChar?: (ch: string) => void;
}

export function generateText(model: CharLM, vocab: Vocabulary, o: GenerateOptions): string {
  validateSamplingOptions(o);
  if (!Number.isInteger(o.length) || o.length < 0) throw new Error(`length must be a whole number >= 0, got ${o.length}`);
  const prime = [...(o.prime || '\n')];
  const primeIds = prime.map((ch, i) => {
    if (!vocab.has(ch)) {
      throw new Error(`the priming text has ${JSON.stringify(ch)} at position ${i + 1}, which is not in the model's vocabulary of ${vocab.size} characters`);
    }
    return vocab.idOf(ch);
  });
  const wasTraining = model.training;
  model.eval();
  let out = '';
  try {
    noGrad(() => {
      let state: RecurrentState | null = null;
      // All but the last priming character in one pass; the last one starts the loop.
      if (primeIds.length > 1) state = model.forward(primeIds.slice(0, -1), primeIds.length - 1, 1, null).state;
      let id = primeIds[primeIds.length - 1];
      for (let n = 0; n < o.length; n++) {
        const step = model.forward([id], 1, 1, state);
        state = step.state;
        id = sampleFromLogits(step.logits.data, o.rng, o);
        const ch = vocab.tokenOf(id);
        out += ch;
        o.onChar?.(ch);
      }
    });
  } finally {
    model.train(wasTraining);
  }
  return out;
}
