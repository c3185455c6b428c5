import type { Buf } from '../kernels/kernels.js';

export type DType = 'float32' | 'float64';

/** How a tensor was computed: its inputs and the hand-written backward of the op that made it. */
export interface GradNode {
  readonly op: string;
  readonly parents: readonly Tensor[];
  /** Adds this op's contribution to each parent's gradient, given the gradient of its output. */
  backward(gradOut: Buf): void;
}

export function allocate(dtype: DType, n: number): Buf {
  return dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
}

// Node's Buffer, where there is one: its allocUnsafeSlow memory is not cleared.
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(bytes: number): Uint8Array } }).Buffer;

/**
 * An array whose values are unspecified, for a kernel that writes every one of them (a layer's
 * output): it skips the clearing a fresh typed array costs (W5: 9 MB of outputs a step). Zeros
 * where Node's Buffer is missing.
 */
export function allocateUnset(dtype: DType, n: number): Buf {
  const bytes = n * (dtype === 'float64' ? 8 : 4);
  if (!NodeBuffer || bytes < 65536) return allocate(dtype, n);
  const { buffer } = NodeBuffer.allocUnsafeSlow(bytes);
  return dtype === 'float64' ? new Float64Array(buffer, 0, n) : new Float32Array(buffer, 0, n);
}

export function dtypeOf(buf: Buf): DType {
  return buf instanceof Float64Array ? 'float64' : 'float32';
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * A dense row-major array of float32 (or float64, for gradient checks) with an optional gradient.
 * Ops are coarse (a whole recurrent layer is one op), so the graph stays small.
 */
export class Tensor {
  readonly shape: readonly number[];
  data: Buf;
  grad: Buf | null = null;
  requiresGrad: boolean;
  node: GradNode | null = null;
  /** Optional name, used in error messages (a parameter's state-dict key, for example). */
  name: string | undefined;

  constructor(data: Buf, shape: readonly number[], requiresGrad = false) {
    const n = sizeOf(shape);
    if (data.length !== n) {
      throw new Error(`Tensor: data has ${data.length} values but shape ${shapeString(shape)} needs ${n}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = requiresGrad;
  }

  static zeros(shape: readonly number[], dtype: DType = 'float32', requiresGrad = false): Tensor {
    return new Tensor(allocate(dtype, sizeOf(shape)), shape, requiresGrad);
  }

  static from(values: ArrayLike<number>, shape: readonly number[], dtype: DType = 'float32', requiresGrad = false): Tensor {
    const data = allocate(dtype, values.length);
    data.set(values);
    return new Tensor(data, shape, requiresGrad);
  }

  static scalar(v: number, dtype: DType = 'float32'): Tensor {
    return Tensor.from([v], [], dtype);
  }

  get dtype(): DType { return dtypeOf(this.data); }
  get size(): number { return this.data.length; }
  get rank(): number { return this.shape.length; }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) throw new Error(`item(): tensor has ${this.data.length} values, shape ${shapeString(this.shape)}`);
    return this.data[0];
  }

  toArray(): number[] { return Array.from(this.data); }

  /** The same values, cut off from the graph (no gradient flows through). */
  detach(): Tensor { return new Tensor(this.data, this.shape, false); }

  clone(): Tensor { return new Tensor(this.data.slice(), this.shape, false); }

  /** The gradient buffer, allocated (zeros) on first use. */
  gradBuffer(): Buf {
    if (!this.grad) this.grad = allocate(this.dtype, this.data.length);
    return this.grad;
  }

  zeroGrad(): void {
    if (this.grad) this.grad.fill(0);
  }

  toString(): string {
    return `Tensor(${shapeString(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}
