import { backward } from '../../src/tensor/autograd.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { assertClose } from './close.js';

/**
 * Compares the analytic gradient of a scalar loss with central finite differences, for every
 * value of every input (use float64 tensors and small shapes). `loss` must rebuild the graph from
 * the inputs' current data each call. Returns how many values were compared.
 */
export function gradcheck(loss: () => Tensor, inputs: Record<string, Tensor>,
  opts: { eps?: number; atol?: number; rtol?: number } = {}): number {
  const eps = opts.eps ?? 1e-6, atol = opts.atol ?? 1e-7, rtol = opts.rtol ?? 1e-5;
  for (const t of Object.values(inputs)) { t.requiresGrad = true; t.grad = null; }
  backward(loss());
  let checked = 0;
  for (const [name, t] of Object.entries(inputs)) {
    const analytic = t.grad ? Array.from(t.grad) : new Array(t.size).fill(0);
    const numeric = new Array<number>(t.size);
    for (let i = 0; i < t.size; i++) {
      const v = t.data[i];
      t.data[i] = v + eps; const up = loss().item();
      t.data[i] = v - eps; const down = loss().item();
      t.data[i] = v;
      numeric[i] = (up - down) / (2 * eps);
    }
    assertClose(analytic, numeric, { atol, rtol }, `gradient of ${name}`);
    checked += t.size;
  }
  return checked;
}
