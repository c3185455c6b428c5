import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Vocabulary } from '../../data/vocabulary.js';
import { loadCheckpoint } from '../../train/checkpoint.js';
import { CharLM, validateCharLMConfig } from './model.js';
import { CHECKPOINT_FILE, type CharLMCheckpointMeta } from './train.js';

/** A trained character model from a run folder or a checkpoint file. */
export interface LoadedCharLM {
  model: CharLM;
  vocab: Vocabulary;
  meta: CharLMCheckpointMeta;
  path: string;
}

export function resolveCheckpointPath(runOrFile: string): string {
  if (!existsSync(runOrFile)) throw new Error(`no such run folder or checkpoint: ${runOrFile}`);
  if (statSync(runOrFile).isDirectory()) {
    const p = join(runOrFile, CHECKPOINT_FILE);
    if (!existsSync(p)) throw new Error(`${runOrFile} has no ${CHECKPOINT_FILE}; is it a run folder written by 'rnnkit train'?`);
    return p;
  }
  return runOrFile;
}

export function loadCharLM(runOrFile: string): LoadedCharLM {
  const path = resolveCheckpointPath(runOrFile);
  const ckpt = loadCheckpoint<CharLMCheckpointMeta>(path);
  if (ckpt.meta.app !== 'charlm') throw new Error(`${path} is not a character language model checkpoint (app: ${String(ckpt.meta.app)})`);
  const config = validateCharLMConfig(ckpt.meta.config, path);
  const vocab = Vocabulary.fromJSON(ckpt.meta.vocabulary);
  if (vocab.size !== config.vocabSize) throw new Error(`${path}: the vocabulary has ${vocab.size} characters but the model expects ${config.vocabSize}`);
  const model = new CharLM(config);
  try {
    model.loadStateDict(ckpt.model);
  } catch (e) {
    throw new Error(`${path} does not fit its own model config: ${(e as Error).message}`);
  }
  model.eval();
  return { model, vocab, meta: ckpt.meta, path };
}
