import { Tensor, shapeString } from '../tensor/tensor.js';
import { parametersChanged } from '../kernels/weights-epoch.js';

/** A map from PyTorch-style names ('rnn.weight_ih_l0') to tensors. */
export type StateDict = Map<string, Tensor>;

/**
 * Base of every layer and model: named parameters and submodules, train/eval mode, and state
 * dicts whose keys are PyTorch's, so weights move between the two without renaming.
 */
export abstract class Module {
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  protected registerParameter(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    t.name = name;
    this.params.set(name, t);
    return t;
  }

  protected registerModule<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /** Every parameter with its full dotted name, in registration order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, t] of this.params) out.push([prefix + n, t]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  train(on = true): this {
    this.training = on;
    for (const m of this.children.values()) m.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  stateDict(): StateDict {
    return new Map(this.namedParameters());
  }

  /**
   * Copies values in by name. Missing or unexpected keys and shape mismatches are errors that
   * name every offending key (strict, like PyTorch's default).
   */
  loadStateDict(state: StateDict | Record<string, Tensor>): void {
    const src = state instanceof Map ? state : new Map(Object.entries(state));
    const own = new Map(this.namedParameters());
    const missing = [...own.keys()].filter((k) => !src.has(k));
    const unexpected = [...src.keys()].filter((k) => !own.has(k));
    const problems: string[] = [];
    if (missing.length) problems.push(`missing keys: ${missing.join(', ')}`);
    if (unexpected.length) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
    for (const [k, t] of own) {
      const s = src.get(k);
      if (!s) continue;
      if (s.rank !== t.rank || s.shape.some((d, i) => d !== t.shape[i])) {
        problems.push(`${k}: checkpoint has shape ${shapeString(s.shape)}, model expects ${shapeString(t.shape)}`);
      }
    }
    if (problems.length) throw new Error(`loadStateDict (${this.constructor.name}): ${problems.join('; ')}`);
    for (const [k, t] of own) t.data.set(src.get(k)!.data);
    parametersChanged();
  }
}
