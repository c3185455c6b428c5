import type { Buf } from '../kernels/kernels.js';
import { parametersChanged } from '../kernels/weights-epoch.js';
import { type GradNode, Tensor, allocate } from './tensor.js';

// Reverse-mode differentiation over coarse ops. Each op attaches a GradNode to its output with a
// hand-written backward; backward() walks the graph once in reverse topological order.

let gradEnabled = true;

/** Runs fn without recording the graph (inference, evaluation, sampling). */
export function noGrad<T>(fn: () => T): T {
  // Weights may have been written in place since the last inference pass: backends that keep
  // copies of them re-read them in this block (../kernels/weights-epoch.ts).
  parametersChanged();
  const saved = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = saved;
  }
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** True when an op with these inputs must record its backward. */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  return gradEnabled && inputs.some((t) => t != null && t.requiresGrad);
}

/**
 * Attaches the op's backward to out when any input requires a gradient. The backward receives
 * the output gradient and must add into parents' gradBuffer() (only for parents that requireGrad).
 */
export function record(out: Tensor, op: string, parents: readonly (Tensor | null | undefined)[],
  backward: (gradOut: Buf) => void): Tensor {
  const ps = parents.filter((p): p is Tensor => p != null);
  if (!needsGrad(...ps)) return out;
  out.requiresGrad = true;
  const node: GradNode = { op, parents: ps, backward };
  out.node = node;
  return out;
}

/**
 * Backpropagates from root. A scalar root gets gradient 1 unless grad is given. Gradients of
 * leaves (parameters, inputs) accumulate across calls, as in PyTorch; those of intermediate
 * tensors are released once used.
 */
export function backward(root: Tensor, grad?: Buf): void {
  if (!root.requiresGrad) throw new Error('backward(): the tensor does not require a gradient (no parameter or input with requiresGrad contributed to it)');
  if (grad) {
    if (grad.length !== root.size) throw new Error(`backward(): gradient has ${grad.length} values, tensor has ${root.size}`);
  } else if (root.size !== 1) {
    throw new Error(`backward(): root has shape [${root.shape.join(', ')}]; pass its gradient or reduce it to a scalar first`);
  }
  const order = topologicalOrder(root);
  const g = root.gradBuffer();
  if (grad) for (let i = 0; i < g.length; i++) g[i] += grad[i];
  else g[0] += 1;
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    const node = t.node!;
    if (t.grad) node.backward(t.grad);
    // Intermediate results keep no gradient once it has been passed on.
    t.grad = null;
  }
}

function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  // Iterative DFS: recurrent models over long sequences make deep graphs.
  const stack: [Tensor, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const parents = t.node ? t.node.parents : [];
    if (i < parents.length) {
      top[1]++;
      const p = parents[i];
      if (!seen.has(p) && p.node) { seen.add(p); stack.push([p, 0]); }
    } else {
      stack.pop();
      if (t.node) order.push(t);
    }
  }
  return order;
}

/** Adds g into t's gradient if t wants one. */
export function accumulateGrad(t: Tensor | null | undefined, g: Buf): void {
  if (!t || !t.requiresGrad) return;
  const dst = t.gradBuffer();
  for (let i = 0; i < dst.length; i++) dst[i] += g[i];
}

export function zerosLike(t: Tensor): Buf {
  return allocate(t.dtype, t.size);
}
