import { LMBatcher } from '../../data/lm-batcher.js';
import { noGrad } from '../../tensor/autograd.js';
import { crossEntropy } from '../../train/losses/crossEntropy.js';
import type { CharLM, RecurrentState } from './model.js';

// Mean cross-entropy (nats per character) of a model on a token stream, read as B parallel
// streams in windows with the state carried across windows, as the PyTorch reference does.

export interface LMEvaluation {
  /** Nats per predicted token. */
  loss: number;
  bitsPerChar: number;
  perplexity: number;
  tokens: number;
}

export function evaluateLM(model: CharLM, ids: Int32Array, o: { batchSize: number; seqLen?: number; maxTokens?: number }): LMEvaluation {
  if (ids.length < 2) throw new Error(`evaluation text has ${ids.length} characters; at least 2 are needed to score one prediction`);
  const B = Math.max(1, Math.min(o.batchSize, Math.floor((ids.length - 1) / 2)));
  const L = Math.floor((ids.length - 1) / B);
  const T = Math.max(1, Math.min(o.seqLen ?? 256, L));
  const batcher = new LMBatcher(ids, { batchSize: B, seqLen: T });
  const windows = o.maxTokens ? Math.min(batcher.windowsPerEpoch, Math.max(1, Math.ceil(o.maxTokens / (B * T)))) : batcher.windowsPerEpoch;
  const wasTraining = model.training;
  model.eval();
  let total = 0, count = 0;
  try {
    noGrad(() => {
      let state: RecurrentState | null = null;
      for (let i = 0; i < windows; i++) {
        const w = batcher.windowAt(i);
        const out = model.forward(w.x, T, B, state);
        state = out.state;
        total += crossEntropy(out.logits, w.y, { reduction: 'sum' }).item();
        count += T * B;
      }
    });
  } finally {
    model.train(wasTraining);
  }
  const loss = total / count;
  return { loss, bitsPerChar: loss / Math.LN2, perplexity: Math.exp(loss), tokens: count };
}
