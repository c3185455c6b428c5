// A small helper for writing ONNX graphs: nodes, attributes, initializers and typed graph
// inputs/outputs, with unique value names.
import { AttrType, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.js';
import { floatTensorProto, int64TensorProto } from './values.js';

/** A dimension: a fixed size or a symbolic name such as 'T' or 'B'. */
export type Dim = number | string;

export type AttrValue = number | string | number[] | string[] | { float: number } | { floats: number[] };

export function attribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'number') return { name, type: AttrType.INT, i: v };
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return { name, type: AttrType.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
    return { name, type: AttrType.INTS, ints: v as number[] };
  }
  if ('floats' in v) return { name, type: AttrType.FLOATS, floats: v.floats };
  return { name, type: AttrType.FLOAT, f: v.float };
}

export function valueInfo(name: string, elemType: number, dims: readonly Dim[]): ValueInfoProto {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  };
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  private readonly used = new Set<string>();

  /** A value name not used yet, based on `base`. */
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  input(name: string, elemType: number, dims: readonly Dim[]): string {
    this.used.add(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: number, dims: readonly Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  floats(name: string, dims: readonly number[], data: ArrayLike<number>): string {
    const n = this.fresh(name);
    this.initializers.push(floatTensorProto(n, dims, data));
    return n;
  }

  int64s(name: string, data: readonly number[]): string {
    const n = this.fresh(name);
    this.initializers.push(int64TensorProto(n, [data.length], data));
    return n;
  }

  /** Adds a node; `outputs` are exact names (use fresh() for internal ones). '' marks an absent optional input. */
  node(op: string, inputs: readonly string[], outputs: readonly string[], attrs: Record<string, AttrValue> = {}): readonly string[] {
    for (const o of outputs) if (o) this.used.add(o);
    this.nodes.push({
      op_type: op, name: this.fresh(`${op}_node`), input: [...inputs], output: [...outputs],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outputs;
  }
}
