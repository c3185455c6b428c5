import { kernels } from '../../kernels/backend.js';
import type { Buf } from '../../kernels/kernels.js';
import { Tensor, allocate, shapeString } from '../../tensor/tensor.js';
import { parametersChanged } from '../../kernels/weights-epoch.js';

/** Hyper-parameters of an optimiser: flat numbers and flags (JSON-able). */
export type HyperParams = { lr: number } & Record<string, number | boolean>;

/**
 * Everything needed to resume an optimiser exactly: plain JSON plus typed arrays, so a checkpoint
 * writer can put `buffers` into safetensors and the rest into JSON.
 */
export interface OptimizerState {
  /** 'SGD', 'Adagrad', 'RMSprop', 'Adam' or 'AdamW'. */
  type: string;
  hyper: Record<string, number | boolean>;
  /** Number of step() calls. */
  step: number;
  /** Per parameter, the updates it received (PyTorch's state[p]['step']; parameters without a gradient are skipped). */
  paramSteps: number[];
  /** '<buffer>.<parameter index>' (PyTorch's state names: 'exp_avg.3', 'momentum_buffer.0', ...) -> values. */
  buffers: Record<string, Float32Array | Float64Array>;
}

/**
 * Base of the optimisers: one parameter group over a fixed list of tensors, PyTorch's
 * torch.optim.Optimizer reduced to what rnnkit needs. A subclass names its state buffers and
 * implements update() for one parameter with a plain function from updates.ts.
 */
export abstract class Optimizer<H extends HyperParams = HyperParams> {
  readonly params: readonly Tensor[];
  hyper: H;
  /** Number of step() calls so far. */
  stepCount = 0;
  protected readonly paramSteps: number[];
  private readonly state: Map<string, Buf>[];

  /** The class's name in state dicts. */
  abstract readonly type: string;
  /** The names of the per-parameter buffers this optimiser may keep. */
  protected abstract readonly bufferNames: readonly string[];

  /** Applies one update to one parameter; `step` counts this parameter's updates, from 1. */
  protected abstract update(index: number, param: Buf, grad: Buf, step: number): void;

  constructor(params: Iterable<Tensor>, hyper: H) {
    const list = [...params];
    if (list.length === 0) throw new Error(`${new.target.name}: got an empty parameter list`);
    const seen = new Set<Tensor>();
    list.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new Error(`${new.target.name}: parameter ${i} is not a Tensor`);
      if (seen.has(p)) throw new Error(`${new.target.name}: parameter ${i}${p.name ? ` (${p.name})` : ''} appears more than once`);
      seen.add(p);
    });
    this.params = list;
    this.hyper = hyper;
    this.paramSteps = list.map(() => 0);
    this.state = list.map(() => new Map());
  }

  get lr(): number { return this.hyper.lr; }
  set lr(value: number) {
    if (!(value >= 0)) throw new Error(`${this.type}: learning rate must be >= 0, got ${value}`);
    this.hyper.lr = value;
  }

  /** Updates every parameter that has a gradient (grad === null: skipped, like PyTorch). */
  step(): void {
    this.stepCount++;
    this.params.forEach((p, i) => {
      if (!p.grad) return;
      if (p.grad.length !== p.size) {
        throw new Error(`${this.type}.step: parameter ${this.describe(i)} has a gradient of ${p.grad.length} values`);
      }
      this.paramSteps[i]++;
      this.update(i, p.data, p.grad, this.paramSteps[i]);
    });
    parametersChanged();
  }

  /** Zeroes the gradients (PyTorch 1.13's default), or drops them with setToNone. */
  zeroGrad(setToNone = false): void {
    for (const p of this.params) {
      if (setToNone) p.grad = null;
      else p.grad?.fill(0);
    }
  }

  /** Parameter i's buffer, allocated on first use and filled with `fill`; `created` tells which. */
  protected buffer(index: number, name: string, fill = 0): { buf: Buf; created: boolean } {
    const own = this.state[index];
    let buf = own.get(name);
    if (buf) return { buf, created: false };
    buf = stateArray(this.params[index].dtype, this.params[index].size);
    if (fill !== 0) buf.fill(fill);
    own.set(name, buf);
    return { buf, created: true };
  }

  /** A copy of the state: later steps do not change it. */
  stateDict(): OptimizerState {
    const buffers: Record<string, Float32Array | Float64Array> = {};
    this.state.forEach((own, i) => {
      for (const name of this.bufferNames) {
        const b = own.get(name);
        if (b) buffers[`${name}.${i}`] = b.slice();
      }
    });
    return { type: this.type, hyper: { ...this.hyper }, step: this.stepCount, paramSteps: [...this.paramSteps], buffers };
  }

  /**
   * Restores a state from stateDict() of the same optimiser type over parameters of the same
   * count and sizes (the hyper-parameters, lr included, come from the state, as in PyTorch).
   * Everything is checked before anything changes.
   */
  loadStateDict(state: OptimizerState): void {
    const where = `${this.type}.loadStateDict`;
    if (state.type !== this.type) throw new Error(`${where}: the state is for a ${state.type} optimiser`);
    const n = this.params.length;
    if (!Array.isArray(state.paramSteps) || state.paramSteps.length !== n) {
      throw new Error(`${where}: the state has ${state.paramSteps?.length ?? 'no'} parameters, this optimiser has ${n}`);
    }
    state.paramSteps.forEach((s, i) => {
      if (!Number.isInteger(s) || s < 0) throw new Error(`${where}: paramSteps[${i}] is ${s}, expected a count >= 0`);
    });
    if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`${where}: step is ${state.step}, expected a count >= 0`);
    const ownKeys = Object.keys(this.hyper).sort(), theirKeys = Object.keys(state.hyper ?? {}).sort();
    if (ownKeys.join() !== theirKeys.join()) {
      throw new Error(`${where}: hyper-parameters [${theirKeys.join(', ')}] do not match [${ownKeys.join(', ')}]`);
    }
    for (const k of ownKeys) {
      if (typeof state.hyper[k] !== typeof this.hyper[k]) {
        throw new Error(`${where}: hyper-parameter ${k} is ${JSON.stringify(state.hyper[k])}, expected a ${typeof this.hyper[k]}`);
      }
    }
    const parsed: [number, string, ArrayLike<number>][] = [];
    for (const [key, values] of Object.entries(state.buffers ?? {})) {
      const m = /^(.+)\.(\d+)$/.exec(key);
      if (!m || !this.bufferNames.includes(m[1])) {
        throw new Error(`${where}: unexpected buffer '${key}' (expected <${this.bufferNames.join('|')}>.<parameter index>)`);
      }
      const i = Number(m[2]);
      if (i >= n) throw new Error(`${where}: buffer '${key}' is for parameter ${i}, this optimiser has ${n} parameters`);
      if (values.length !== this.params[i].size) {
        throw new Error(`${where}: buffer '${key}' has ${values.length} values, parameter ${this.describe(i)} has ${this.params[i].size}`);
      }
      parsed.push([i, m[1], values]);
    }
    this.hyper = { ...state.hyper } as H;
    this.stepCount = state.step;
    state.paramSteps.forEach((s, i) => { this.paramSteps[i] = s; });
    for (const own of this.state) own.clear();
    for (const [i, name, values] of parsed) {
      const buf = stateArray(this.params[i].dtype, values.length);
      buf.set(values);
      this.state[i].set(name, buf);
    }
  }

  private describe(i: number): string {
    const p = this.params[i];
    return `${i} (${p.name ? `${p.name}: ` : ''}${shapeString(p.shape)})`;
  }
}

/** Throws unless value is a number >= 0 (PyTorch's "Invalid ..." checks). */
export function checkNonNegative(optimizer: string, name: string, value: number): void {
  if (!(typeof value === 'number' && value >= 0)) throw new Error(`${optimizer}: ${name} must be >= 0, got ${value}`);
}

// Zeros for a state buffer. Float32 state comes from the backend when it keeps such state in
// memory of its own (the wasm backend: its updates then run on it in place).
function stateArray(dtype: Tensor['dtype'], n: number): Buf {
  const k = kernels();
  return dtype === 'float32' && k.stateBuffer ? k.stateBuffer(n) : allocate(dtype, n);
}
