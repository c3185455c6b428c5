// ONNX files -> rnnkit: each RNN/LSTM/GRU node becomes an rnnkit module, and a small runner
// executes the rest of the graph (the shape plumbing and heads that PyTorch's exporter and
// exportOnnx write). Nodes whose inputs are all known at import time are folded once.
import { Attributes } from './attributes.js';
import { OPS } from './ops.js';
import { DataType, type ModelProto, type NodeProto, type ValueInfoProto, decodeModel, int64ToNumber } from './proto.js';
import { type ImportedRecurrent, RECURRENT_OPS, importRecurrentNode, runRecurrentNode } from './recurrent-node.js';
import { type OnnxValue, floatValue, intValue, typeName, valueFromTensorProto } from './values.js';

export interface OnnxIO {
  readonly name: string;
  readonly elemType: number;
  /** Fixed sizes, or symbolic names such as 'T' and 'B' ('?' when unnamed). */
  readonly dims: readonly (number | string)[];
}

/** What run() accepts per input: ints for int32/int64 inputs may be numbers or a BigInt64Array. */
export interface OnnxFeed {
  readonly dims: readonly number[];
  readonly data: ArrayLike<number> | BigInt64Array;
}

export interface ImportedOnnx {
  readonly inputs: readonly OnnxIO[];
  readonly outputs: readonly OnnxIO[];
  /** The recurrent nodes as rnnkit modules, in graph order. */
  readonly recurrent: readonly ImportedRecurrent[];
  readonly opset: number;
  readonly producer: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Runs the graph; returns every graph output by name. */
  run(feeds: Record<string, OnnxFeed>): Record<string, OnnxValue>;
}

interface Step { node: NodeProto; label: string; attrs: Attributes; recurrent: ImportedRecurrent | null }

function describeIO(v: ValueInfoProto): OnnxIO {
  const t = v.type?.tensor_type;
  return {
    name: v.name,
    elemType: t?.elem_type ?? 0,
    dims: (t?.shape?.dim ?? []).map((d) => (d.dim_param ? d.dim_param : d.dim_value !== undefined ? int64ToNumber(d.dim_value) : '?')),
  };
}

export function importOnnx(bytes: Uint8Array, source = '<buffer>'): ImportedOnnx {
  const model: ModelProto = decodeModel(bytes, source);
  const graph = model.graph!;
  const fail = (msg: string): never => { throw new Error(`ONNX ${source}: ${msg}`); };
  const opsetEntry = (model.opset_import ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const opset = opsetEntry ? int64ToNumber(opsetEntry.version) : fail('the model declares no ONNX opset (opset_import)');
  if (opset < 7) fail(`opset ${opset} is too old; re-export with opset 13 or later`);

  const constants = new Map<string, OnnxValue>();
  for (const t of graph.initializer ?? []) constants.set(t.name ?? '', valueFromTensorProto(t, `ONNX ${source}: initializer '${t.name}'`));
  const inputs = (graph.input ?? []).filter((i) => !constants.has(i.name)).map(describeIO);
  const outputs = (graph.output ?? []).map(describeIO);
  const produced = new Set([...constants.keys(), ...inputs.map((i) => i.name)]);

  const steps: Step[] = [];
  const recurrent: ImportedRecurrent[] = [];
  (graph.node ?? []).forEach((node, index) => {
    const op = node.op_type ?? '';
    const label = `node '${node.name || `#${index}`}' (${op})`;
    if (node.domain && node.domain !== 'ai.onnx') fail(`${label} is in operator domain '${node.domain}', which is not supported`);
    if (!OPS[op] && !RECURRENT_OPS.has(op)) {
      fail(`${label}: operator ${op} is not supported; rnnkit imports RNN, LSTM and GRU with ${Object.keys(OPS).join(', ')}`);
    }
    const ins = node.input ?? [];
    for (const i of ins) if (i && !produced.has(i)) fail(`${label} reads '${i}', which no earlier node, input or initializer produces`);
    for (const o of node.output ?? []) if (o) produced.add(o);
    const attrs = new Attributes(node.attribute ?? [], `ONNX ${source}: ${label}`);
    const known = ins.every((i) => !i || constants.has(i));
    try {
      if (RECURRENT_OPS.has(op)) {
        const r = importRecurrentNode(op, node.name || `#${index}`, attrs, ins.length, (i, what) => {
          const name = ins[i];
          if (!name) return null;
          const v = constants.get(name);
          if (!v) throw new Error(`${op} node '${node.name}': input ${what} ('${name}') must be a constant (an initializer), but it depends on the graph's inputs`);
          return v;
        });
        recurrent.push(r);
        steps.push({ node, label, attrs, recurrent: r });
      } else if (known) {
        const outs = OPS[op](ins.map((i) => (i ? constants.get(i)! : null)), attrs, opset);
        (node.output ?? []).forEach((o, k) => { if (o && outs[k]) constants.set(o, outs[k]); });
      } else {
        steps.push({ node, label, attrs, recurrent: null });
      }
    } catch (e) {
      const msg = (e as Error).message;
      fail(msg.startsWith(`${op} node`) ? msg : `${label}: ${msg}`);
    }
  });
  for (const o of outputs) if (!produced.has(o.name)) fail(`graph output '${o.name}' is produced by no node`);

  const metadata: Record<string, string> = {};
  for (const p of model.metadata_props ?? []) metadata[p.key] = p.value;

  const run = (feeds: Record<string, OnnxFeed>): Record<string, OnnxValue> => {
    const values = new Map(constants);
    for (const io of inputs) {
      const feed = feeds[io.name];
      if (!feed) fail(`input '${io.name}' ${dimsText(io.dims)} is missing (the model's inputs: ${inputs.map((i) => i.name).join(', ')})`);
      values.set(io.name, toValue(io, feed!, fail));
    }
    for (const k of Object.keys(feeds)) if (!inputs.some((i) => i.name === k)) fail(`unknown input '${k}' (the model's inputs: ${inputs.map((i) => i.name).join(', ')})`);
    for (const s of steps) {
      const ins = (s.node.input ?? []).map((i) => (i ? values.get(i)! : null));
      let outs: OnnxValue[];
      try {
        outs = s.recurrent ? runRecurrentNode(s.recurrent, ins) : OPS[s.node.op_type!](ins, s.attrs, opset);
      } catch (e) {
        throw new Error(`ONNX ${source}: ${s.label}: ${(e as Error).message}`);
      }
      (s.node.output ?? []).forEach((o, k) => { if (o && outs[k]) values.set(o, outs[k]); });
    }
    const result: Record<string, OnnxValue> = {};
    for (const o of outputs) result[o.name] = values.get(o.name)!;
    return result;
  };

  return { inputs, outputs, recurrent, opset, producer: model.producer_name ?? '', metadata, run };
}

function dimsText(dims: readonly (number | string)[]): string {
  return `[${dims.join(', ')}]`;
}

function toValue(io: OnnxIO, feed: OnnxFeed, fail: (msg: string) => never): OnnxValue {
  const dims = [...feed.dims];
  if (io.dims.length && (dims.length !== io.dims.length || io.dims.some((d, i) => typeof d === 'number' && d !== dims[i]))) {
    fail(`input '${io.name}' has shape ${dimsText(dims)}, the model expects ${dimsText(io.dims)}`);
  }
  const n = dims.reduce((a, b) => a * b, 1);
  if (feed.data.length !== n) fail(`input '${io.name}': ${feed.data.length} values given for shape ${dimsText(dims)} (${n} needed)`);
  if (io.elemType === DataType.FLOAT || io.elemType === DataType.DOUBLE) {
    if (feed.data instanceof BigInt64Array) fail(`input '${io.name}' is float32 but was given a BigInt64Array`);
    return floatValue(dims, Float32Array.from(feed.data as ArrayLike<number>));
  }
  if (io.elemType === DataType.INT64 || io.elemType === DataType.INT32) {
    const values = feed.data instanceof BigInt64Array ? Array.from(feed.data, Number) : Array.from(feed.data as ArrayLike<number>);
    if (values.some((v) => !Number.isInteger(v))) fail(`input '${io.name}' is ${typeName(io.elemType)} but holds non-integer values`);
    return intValue(dims, values, io.elemType);
  }
  return fail(`input '${io.name}' has type ${typeName(io.elemType)}, which rnnkit cannot feed`);
}
