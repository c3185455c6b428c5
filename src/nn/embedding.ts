import { embedding } from '../tensor/ops/embedding.js';
import { Tensor, type DType } from '../tensor/tensor.js';
import { Random } from '../util/random.js';
import { normalTensor } from './init.js';
import { checkPositiveInt } from './linear.js';
import { Module } from './module.js';

export interface EmbeddingOptions {
  numEmbeddings: number;
  embeddingDim: number;
  paddingIdx?: number;
  rng?: Random;
  dtype?: DType;
}

/** A lookup table weight [numEmbeddings, embeddingDim], initialised N(0, 1) like PyTorch. */
export class Embedding extends Module {
  readonly weight: Tensor;
  readonly paddingIdx: number | undefined;

  constructor(o: EmbeddingOptions) {
    super();
    checkPositiveInt('Embedding', 'numEmbeddings', o.numEmbeddings);
    checkPositiveInt('Embedding', 'embeddingDim', o.embeddingDim);
    this.weight = this.registerParameter('weight', normalTensor([o.numEmbeddings, o.embeddingDim], o.rng ?? new Random(0), o.dtype));
    this.paddingIdx = o.paddingIdx;
    if (o.paddingIdx !== undefined) {
      const E = o.embeddingDim;
      this.weight.data.fill(0, o.paddingIdx * E, o.paddingIdx * E + E);
    }
  }

  /** ids: integer ids laid out with the given shape (e.g. [T, B]) -> [...shape, embeddingDim]. */
  forward(ids: ArrayLike<number>, shape: readonly number[]): Tensor {
    return embedding(ids, shape, this.weight, this.paddingIdx);
  }
}
