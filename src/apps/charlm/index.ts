// The character-level language model: train, evaluate, generate.
export { CharLM, type CharLMConfig, type CellType, type RecurrentState } from './model.js';
export { trainCharLM, CHARLM_DEFAULTS, type CharLMTrainOptions, type CharLMTrainResult } from './train.js';
export { evaluateLM, type LMEvaluation } from './evaluate.js';
export { generateText, type GenerateOptions } from './generate.js';
export { loadCharLM, type LoadedCharLM } from './load.js';
export { sampleFromLogits, type SamplingOptions } from './sampler.js';
