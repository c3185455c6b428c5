// How a loss turns per-element values into its result, as in PyTorch's `reduction` argument.

export type Reduction = 'mean' | 'sum' | 'none';

export function checkReduction(op: string, reduction: string): asserts reduction is Reduction {
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new Error(`${op}: reduction must be 'mean', 'sum' or 'none', got '${reduction}'`);
  }
}
