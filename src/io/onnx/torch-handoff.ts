// PyTorch hand-off: a state dict with PyTorch's names (safetensors) plus a config JSON that says
// which torch.nn modules to build. A bare RNN/LSTM/GRU is written without a prefix, so
// torch.nn.LSTM(**kwargs).load_state_dict(...) accepts it as is; a stack (CharLM) keeps its
// 'embedding.' / 'rnn.' / 'head.' prefixes, matching the module in docs/SCALING.md.
import { Embedding } from '../../nn/embedding.js';
import { Linear } from '../../nn/linear.js';
import type { StateDict } from '../../nn/module.js';
import { GRU, LSTM, RNN, RecurrentBase, type Nonlinearity, type RNNOptions } from '../../nn/rnn.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ExportableModel, RecurrentStack } from './export.js';

export const TORCH_CONFIG_FORMAT = 'rnnkit-torch/1';

export interface TorchRecurrentKwargs {
  input_size: number; hidden_size: number; num_layers: number; bias: boolean; batch_first: boolean;
  dropout: number; bidirectional: boolean; proj_size?: number; nonlinearity?: 'tanh' | 'relu';
}

export interface TorchConfig {
  format: typeof TORCH_CONFIG_FORMAT;
  /** 'recurrent': the state dict is a bare torch.nn.{RNN,LSTM,GRU}; 'stack': embedding/rnn/head. */
  kind: 'recurrent' | 'stack';
  rnn: { type: 'RNN' | 'LSTM' | 'GRU'; kwargs: TorchRecurrentKwargs };
  embedding: { num_embeddings: number; embedding_dim: number } | null;
  head: { in_features: number; out_features: number; bias: boolean } | null;
  /** Anything the caller adds (rnnkit's CharLM config, the vocabulary, ...). */
  [extra: string]: unknown;
}

function parts(model: ExportableModel): RecurrentStack & { bare: boolean } {
  if (model instanceof RecurrentBase) return { rnn: model, bare: true };
  if (model && (model as RecurrentStack).rnn instanceof RecurrentBase) return { ...(model as RecurrentStack), bare: false };
  throw new Error('torchConfigOf: the model must be an RNN, LSTM or GRU, or an object with { embedding?, rnn, head? } such as CharLM');
}

/** The config JSON PyTorch needs to rebuild `model` (extra fields are copied in). */
export function torchConfigOf(model: ExportableModel, extra: Record<string, unknown> = {}): TorchConfig {
  const { rnn, embedding, head, bare } = parts(model);
  if (rnn.mode === 'rnn' && (rnn.nonlinearity === 'sigmoid' || rnn.nonlinearity === 'leaky_relu')) {
    throw new Error(`torchConfigOf: torch.nn.RNN has no '${rnn.nonlinearity}' nonlinearity (only tanh and relu); export this model to ONNX instead`);
  }
  const kwargs: TorchRecurrentKwargs = {
    input_size: rnn.inputSize, hidden_size: rnn.hiddenSize, num_layers: rnn.numLayers, bias: rnn.bias,
    batch_first: rnn.batchFirst, dropout: rnn.dropout, bidirectional: rnn.bidirectional,
  };
  if (rnn.projSize) kwargs.proj_size = rnn.projSize;
  if (rnn.mode === 'rnn') kwargs.nonlinearity = rnn.nonlinearity as 'tanh' | 'relu';
  return {
    ...extra,
    format: TORCH_CONFIG_FORMAT,
    kind: bare ? 'recurrent' : 'stack',
    rnn: { type: rnn.mode === 'rnn' ? 'RNN' : rnn.mode === 'lstm' ? 'LSTM' : 'GRU', kwargs },
    embedding: embedding ? { num_embeddings: embedding.weight.shape[0], embedding_dim: embedding.weight.shape[1] } : null,
    head: head ? { in_features: head.inFeatures, out_features: head.outFeatures, bias: head.bias !== null } : null,
  };
}

/** The state dict to save for PyTorch (names are already PyTorch's). */
export function torchStateDict(model: ExportableModel): Map<string, Tensor> {
  const { rnn, embedding, head, bare } = parts(model);
  if (bare) return rnn.stateDict();
  const out = new Map<string, Tensor>();
  const add = (prefix: string, m: { stateDict(): StateDict } | null | undefined) => {
    if (m) for (const [k, t] of m.stateDict()) out.set(`${prefix}.${k}`, t);
  };
  add('embedding', embedding);
  add('rnn', rnn);
  add('head', head);
  return out;
}

export interface TorchImported {
  rnn: RecurrentBase;
  embedding: Embedding | null;
  head: Linear | null;
  config: TorchConfig;
}

/**
 * Rebuilds rnnkit modules from a PyTorch state dict (e.g. loadStateDictFile('model.safetensors'))
 * and its config JSON; loading is strict, so every missing or extra key is named.
 */
export function modelFromTorch(configJson: unknown, state: Map<string, Tensor>, source = 'config.json'): TorchImported {
  const c = configJson as TorchConfig;
  if (!c || typeof c !== 'object' || c.format !== TORCH_CONFIG_FORMAT) {
    throw new Error(`${source}: not an rnnkit PyTorch config (expected "format": "${TORCH_CONFIG_FORMAT}")`);
  }
  const k = c.rnn?.kwargs;
  if (!k || !['RNN', 'LSTM', 'GRU'].includes(c.rnn.type)) throw new Error(`${source}: "rnn" must be { type: RNN | LSTM | GRU, kwargs }`);
  const opts: RNNOptions = {
    inputSize: k.input_size, hiddenSize: k.hidden_size, numLayers: k.num_layers, bias: k.bias, batchFirst: k.batch_first,
    dropout: k.dropout, bidirectional: k.bidirectional, projSize: k.proj_size ?? 0,
  };
  const rnn = c.rnn.type === 'LSTM' ? new LSTM(opts) : c.rnn.type === 'GRU' ? new GRU(opts)
    : new RNN({ ...opts, nonlinearity: (k.nonlinearity ?? 'tanh') as Nonlinearity });
  const embedding = c.embedding ? new Embedding({ numEmbeddings: c.embedding.num_embeddings, embeddingDim: c.embedding.embedding_dim }) : null;
  const head = c.head ? new Linear({ inFeatures: c.head.in_features, outFeatures: c.head.out_features, bias: c.head.bias }) : null;
  const pick = (prefix: string) => new Map([...state].filter(([n]) => n.startsWith(prefix)).map(([n, t]) => [n.slice(prefix.length), t]));
  const known = c.kind === 'recurrent' ? null : new Set(['embedding.', 'rnn.', 'head.']);
  if (known) {
    const stray = [...state.keys()].filter((n) => ![...known].some((p) => n.startsWith(p)));
    if (stray.length) throw new Error(`${source}: unexpected keys in the state dict: ${stray.join(', ')}`);
  }
  try {
    rnn.loadStateDict(c.kind === 'recurrent' ? state : pick('rnn.'));
    if (embedding) embedding.loadStateDict(pick('embedding.'));
    if (head) head.loadStateDict(pick('head.'));
  } catch (e) {
    throw new Error(`${source}: the weights do not fit the config: ${(e as Error).message}`);
  }
  for (const m of [rnn, embedding, head]) m?.eval();
  return { rnn, embedding, head, config: c };
}
