import type { Random } from '../../util/random.js';
import { type Task, checkDistance, setOneHot } from './task.js';

// Subject-verb agreement across distractors ("The cat, which already ate ..., was full" /
// "The cats, which already ate ..., were full"):
//   subject (singular or plural noun), k distractor tokens, then the verb slot; the model must
//   answer 'was' (0) for a singular subject and 'were' (1) for a plural one. T = k + 2, the
//   answer is read at the verb slot only, so the one bit it needs is k + 1 steps back.
// Distractors are neutral words drawn uniformly (no other nouns), so the only way to the answer
// is to remember the subject: chance is 50%.

export const SINGULAR = ['cat', 'dog', 'bird', 'child'] as const;
export const PLURAL = ['cats', 'dogs', 'birds', 'children'] as const;
export const DISTRACTORS = ['which', 'already', 'ate', 'a', 'lot', 'of', 'food', 'and', 'then', 'slept'] as const;
export const VERB_SLOT = '<verb>';
export const AGREEMENT_VOCAB: readonly string[] = [...SINGULAR, ...PLURAL, ...DISTRACTORS, VERB_SLOT];
export const VERB_FORMS = ['was', 'were'] as const;

export function agreementTask(distance: number): Task {
  checkDistance('agreement', distance, 1);
  const V = AGREEMENT_VOCAB.length, T = distance + 2;
  const nouns = SINGULAR.length, firstDistractor = 2 * nouns, verb = V - 1;
  return {
    name: 'agreement', distance, kind: 'classify', inputSize: V, outputSize: 2, length: T,
    chanceAccuracy: 0.5, chanceLoss: Math.log(2),
    batch(rng: Random, B: number) {
      const x = new Float32Array(T * B * V);
      const targets = new Int32Array(B);
      for (let b = 0; b < B; b++) {
        const plural = rng.int(2);
        setOneHot(x, B, V, 0, b, plural * nouns + rng.int(nouns));
        for (let t = 1; t <= distance; t++) setOneHot(x, B, V, t, b, firstDistractor + rng.int(DISTRACTORS.length));
        setOneHot(x, B, V, T - 1, b, verb);
        targets[b] = plural;
      }
      return { T, B, x, outputSteps: 1, targets };
    },
    isCorrect: (p, t) => p === t,
  };
}
