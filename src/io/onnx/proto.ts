// The subset of ONNX's protobuf schema (onnx/onnx.proto, proto2) that rnnkit reads and writes:
// ModelProto > GraphProto > NodeProto / AttributeProto / TensorProto / ValueInfoProto.
// Field numbers are ONNX's; messages and fields we never use are left out, and protobufjs skips
// them when decoding files written by other tools. Kept as a JSON descriptor so the build has no
// code-generation step.
import protobuf from 'protobufjs/light.js';

const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });

const descriptor = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ir_version: { type: 'int64', id: 1 },
            opset_import: repeated('OperatorSetIdProto', 8),
            producer_name: { type: 'string', id: 2 },
            producer_version: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            model_version: { type: 'int64', id: 5 },
            doc_string: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            metadata_props: repeated('StringStringEntryProto', 14),
          },
        },
        StringStringEntryProto: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1),
            name: { type: 'string', id: 2 },
            initializer: repeated('TensorProto', 5),
            doc_string: { type: 'string', id: 10 },
            input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12),
            value_info: repeated('ValueInfoProto', 13),
          },
        },
        NodeProto: {
          fields: {
            input: repeated('string', 1),
            output: repeated('string', 2),
            name: { type: 'string', id: 3 },
            op_type: { type: 'string', id: 4 },
            domain: { type: 'string', id: 7 },
            attribute: repeated('AttributeProto', 5),
            doc_string: { type: 'string', id: 6 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            ref_attr_name: { type: 'string', id: 21 },
            doc_string: { type: 'string', id: 13 },
            type: { type: 'int32', id: 20 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            floats: repeated('float', 7),
            ints: repeated('int64', 8),
            strings: repeated('bytes', 9),
            tensors: repeated('TensorProto', 10),
            graphs: repeated('GraphProto', 11),
          },
        },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1),
            data_type: { type: 'int32', id: 2 },
            float_data: { ...repeated('float', 4), options: { packed: true } },
            int32_data: { ...repeated('int32', 5), options: { packed: true } },
            string_data: repeated('bytes', 6),
            int64_data: { ...repeated('int64', 7), options: { packed: true } },
            name: { type: 'string', id: 8 },
            doc_string: { type: 'string', id: 12 },
            raw_data: { type: 'bytes', id: 9 },
            double_data: { ...repeated('double', 10), options: { packed: true } },
            uint64_data: { ...repeated('uint64', 11), options: { packed: true } },
            data_location: { type: 'int32', id: 14 },
          },
        },
        ValueInfoProto: {
          fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 }, doc_string: { type: 'string', id: 3 } },
        },
        TypeProto: {
          fields: { tensor_type: { type: 'TensorTypeProto', id: 1 }, denotation: { type: 'string', id: 6 } },
        },
        TensorTypeProto: {
          fields: { elem_type: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } },
        },
        TensorShapeProto: { fields: { dim: repeated('Dimension', 1) } },
        Dimension: {
          oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
          fields: { dim_value: { type: 'int64', id: 1 }, dim_param: { type: 'string', id: 2 }, denotation: { type: 'string', id: 3 } },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);
const ModelType = root.lookupType('onnx.ModelProto');

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;

/** AttributeProto.AttributeType values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

// int64 fields decode as Long objects (or numbers when small enough to be written as such).
export type Int64 = number | { toNumber(): number };

export interface TensorProto {
  dims?: Int64[]; data_type?: number; name?: string; raw_data?: Uint8Array;
  float_data?: number[]; int32_data?: number[]; int64_data?: Int64[]; double_data?: number[];
  data_location?: number;
}
export interface AttributeProto {
  name: string; type?: number; f?: number; i?: Int64; s?: Uint8Array; t?: TensorProto;
  floats?: number[]; ints?: Int64[]; strings?: Uint8Array[]; g?: unknown; graphs?: unknown[];
}
export interface NodeProto {
  input?: string[]; output?: string[]; name?: string; op_type?: string; domain?: string; attribute?: AttributeProto[];
}
export interface Dimension { dim_value?: Int64; dim_param?: string }
export interface ValueInfoProto {
  name: string; type?: { tensor_type?: { elem_type?: number; shape?: { dim?: Dimension[] } } };
}
export interface GraphProto {
  node?: NodeProto[]; name?: string; initializer?: TensorProto[]; input?: ValueInfoProto[];
  output?: ValueInfoProto[]; value_info?: ValueInfoProto[]; doc_string?: string;
}
export interface ModelProto {
  ir_version?: Int64; opset_import?: { domain?: string; version?: Int64 }[]; producer_name?: string;
  producer_version?: string; graph?: GraphProto; metadata_props?: { key: string; value: string }[]; doc_string?: string;
}

export function int64ToNumber(v: Int64 | undefined | null): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

export function encodeModel(model: ModelProto): Uint8Array {
  const problem = ModelType.verify(model);
  if (problem) throw new Error(`ONNX export: malformed model (${problem})`);
  return ModelType.encode(ModelType.fromObject(model)).finish();
}

/** Decodes the bytes; any wire-format damage (truncation, garbage) becomes one clear error. */
export function decodeModel(bytes: Uint8Array, source = '<buffer>'): ModelProto {
  let decoded: protobuf.Message;
  try {
    decoded = ModelType.decode(bytes);
  } catch (e) {
    throw new Error(`ONNX ${source}: not a readable ONNX model (${bytes.length} bytes): ${(e as Error).message}; the file may be truncated or not an .onnx file`);
  }
  const model = ModelType.toObject(decoded, { defaults: false, arrays: true }) as ModelProto;
  if (!model.graph) throw new Error(`ONNX ${source}: the file has no graph; it is not an ONNX model (${bytes.length} bytes)`);
  return model;
}
