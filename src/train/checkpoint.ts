import { existsSync } from 'node:fs';
import { loadSafetensors, saveSafetensors } from '../io/safetensors-file.js';
import { type SafeTensorEntry, entryToTensor } from '../io/safetensors.js';
import type { StateDict } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import type { OptimizerState } from './optim/optimizer.js';

// A training checkpoint is one safetensors file, written atomically (temp file + rename), so a
// run killed at any moment leaves either the previous checkpoint or the new one, never half.
//   tensors:  model.<parameter>   the weights, PyTorch names
//             optim.<buffer>.<i>  optimiser state (exp_avg.3, ...)
//             extra.<name>        anything else to resume exactly (e.g. the carried hidden state)
//   metadata: "rnnkit.checkpoint" = JSON: format version, optimiser scalars, and the caller's
//             own fields (config, vocabulary, random state, data position, step, history).

const FORMAT = 'rnnkit-checkpoint';
const VERSION = 1;
const META_KEY = 'rnnkit.checkpoint';

export interface CheckpointData<M = Record<string, unknown>> {
  model: StateDict;
  optimizer: OptimizerState | null;
  extra: Map<string, Tensor>;
  meta: M;
}

export function saveCheckpoint(path: string, c: CheckpointData<object>): void {
  const tensors = new Map<string, Tensor>();
  for (const [k, t] of c.model) tensors.set(`model.${k}`, t);
  if (c.optimizer) {
    for (const [k, b] of Object.entries(c.optimizer.buffers)) tensors.set(`optim.${k}`, new Tensor(b, [b.length]));
  }
  for (const [k, t] of c.extra) tensors.set(`extra.${k}`, t);
  const optimizer = c.optimizer
    ? { type: c.optimizer.type, hyper: c.optimizer.hyper, step: c.optimizer.step, paramSteps: c.optimizer.paramSteps }
    : null;
  const header = { format: FORMAT, version: VERSION, optimizer, meta: c.meta };
  saveSafetensors(path, tensors, { [META_KEY]: JSON.stringify(header) });
}

/** Reads a checkpoint; a missing, truncated or foreign file is an error that says which. */
export function loadCheckpoint<M = Record<string, unknown>>(path: string): CheckpointData<M> {
  if (!existsSync(path)) throw new Error(`checkpoint ${path} does not exist`);
  let parsed;
  try {
    parsed = loadSafetensors(path);
  } catch (e) {
    throw new Error(`checkpoint ${path} is damaged or not a checkpoint: ${(e as Error).message}`);
  }
  const raw = parsed.metadata[META_KEY];
  if (!raw) throw new Error(`${path} is a safetensors file but not an rnnkit checkpoint (no '${META_KEY}' metadata); for bare weights use loadStateDictFile`);
  let header: { format?: string; version?: number; optimizer?: Omit<OptimizerState, 'buffers'> | null; meta?: M };
  try {
    header = JSON.parse(raw);
  } catch {
    throw new Error(`checkpoint ${path}: its metadata is not valid JSON (the file is damaged)`);
  }
  if (header.format !== FORMAT) throw new Error(`checkpoint ${path}: unknown format '${String(header.format)}'`);
  if (header.version !== VERSION) throw new Error(`checkpoint ${path}: format version ${String(header.version)}, this rnnkit reads version ${VERSION}`);

  const model: StateDict = new Map();
  const extra = new Map<string, Tensor>();
  const buffers: Record<string, Float32Array | Float64Array> = {};
  for (const [key, entry] of parsed.tensors) {
    const dot = key.indexOf('.');
    const group = key.slice(0, dot), name = key.slice(dot + 1);
    if (group === 'model') model.set(name, entryToTensor(entry, name));
    else if (group === 'extra') extra.set(name, entryToTensor(entry, name));
    else if (group === 'optim') buffers[name] = floatData(entry, key, path);
    else throw new Error(`checkpoint ${path}: unexpected tensor '${key}'`);
  }
  const optimizer = header.optimizer ? { ...header.optimizer, buffers } : null;
  return { model, optimizer, extra, meta: (header.meta ?? {}) as M };
}

function floatData(entry: SafeTensorEntry, key: string, path: string): Float32Array | Float64Array {
  if (entry.dtype === 'F32' || entry.dtype === 'F64') return entry.data as Float32Array | Float64Array;
  throw new Error(`checkpoint ${path}: optimiser buffer '${key}' is ${entry.dtype}, expected F32 or F64`);
}
