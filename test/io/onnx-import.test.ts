import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { GraphBuilder } from '../../src/io/onnx/builder.js';
import { exportOnnx } from '../../src/io/onnx/export.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { DataType, encodeModel } from '../../src/io/onnx/proto.js';
import { LSTM } from '../../src/nn/rnn.js';
import { assertClose } from '../helpers/close.js';
import { fixturePath, loadFixture } from '../helpers/fixtures.js';
import type { JsonTensor } from '../helpers/torch-json.js';
import { exportCase, onnxCases } from './onnx-cases.js';

// importOnnx: our own exports come back with identical outputs and weights; PyTorch's
// torch.onnx.export files (scripts/fixtures/onnx_fixtures.py) reproduce PyTorch's outputs;
// damaged or unsupported files fail with a message naming the problem.

describe('ONNX round trip: export -> import', () => {
  for (const c of onnxCases()) {
    test(`${c.name}: identical outputs`, () => {
      const imported = importOnnx(exportCase(c), c.name);
      const out = imported.run(c.feeds);
      for (const [name, want] of Object.entries(c.expected)) {
        assert.deepEqual([...out[name].dims], [...want.shape], `${name} shape`);
        // The recurrent part reruns rnnkit's own kernels: bit-identical. Heads go through the
        // runner's MatMul/Add/Softmax, identical up to summation order.
        if (name === 'logits' || name === 'probs') assertClose(out[name].data, want.data, { atol: 1e-6, rtol: 1e-6 }, name);
        else assert.deepEqual(Array.from(out[name].data), Array.from(want.data), `${c.name}: ${name} differs`);
      }
    });
  }

  test('the imported modules hold the original weights, in PyTorch gate order', () => {
    const m = new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2, bidirectional: true });
    const imported = importOnnx(exportOnnx(m));
    assert.equal(imported.recurrent.length, 2);
    const original = m.stateDict();
    imported.recurrent.forEach((r, l) => {
      assert.equal(r.op, 'LSTM');
      for (const [k, t] of r.module.stateDict()) {
        assert.deepEqual(Array.from(t.data), Array.from(original.get(k.replace('_l0', `_l${l}`))!.data), `layer ${l} ${k}`);
      }
    });
  });
});

interface TorchCase { inputs: Record<string, JsonTensor>; outputs: Record<string, JsonTensor> }

describe('ONNX files exported by PyTorch', () => {
  const io = loadFixture<Record<string, TorchCase>>('onnx/torch_io.json');
  for (const [name, ops] of [['torch_lstm', ['LSTM']], ['torch_gru', ['GRU', 'GRU']], ['torch_rnn', ['RNN', 'RNN']]] as const) {
    test(`${name} reproduces PyTorch's outputs`, () => {
      const imported = importOnnx(readFileSync(fixturePath(`onnx/${name}.onnx`)), `${name}.onnx`);
      assert.deepEqual(imported.recurrent.map((r) => r.op), ops);
      const feeds = Object.fromEntries(Object.entries(io[name].inputs).map(([k, v]) => [k, { dims: v.shape, data: v.data }]));
      const out = imported.run(feeds);
      for (const [k, want] of Object.entries(io[name].outputs)) {
        assert.deepEqual([...out[k].dims], want.shape, `${name} ${k} shape`);
        assertClose(out[k].data, want.data, { atol: 1e-5, rtol: 1e-4 }, `${name} ${k}`);
      }
    });
  }
});

/** A one-node LSTM graph (input [T, B, 2], hidden 2) with the given extras, as bytes. */
function lstmGraph(edit: (g: GraphBuilder, inputs: string[], attrs: Record<string, unknown>) => string | void): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input('input', DataType.FLOAT, ['T', 'B', 2]);
  const inputs = [x, g.floats('W', [1, 8, 2], new Float32Array(16)), g.floats('R', [1, 8, 2], new Float32Array(16))];
  const attrs: Record<string, unknown> = { hidden_size: 2 };
  const op = edit(g, inputs, attrs) ?? 'LSTM';
  g.node(op, inputs, ['Y'], attrs as never);
  g.output('Y', DataType.FLOAT, ['T', 1, 'B', 2]);
  return encodeModel({ ir_version: 8, opset_import: [{ domain: '', version: 14 }], graph: { name: 'g', node: g.nodes, initializer: g.initializers, input: g.inputs, output: g.outputs } });
}

describe('bad ONNX files give clear errors', () => {
  const good = exportOnnx(new LSTM({ inputSize: 2, hiddenSize: 2 }));

  test('a valid hand-made graph imports (the baseline of the cases below)', () => {
    const out = importOnnx(lstmGraph(() => undefined)).run({ input: { dims: [3, 1, 2], data: [1, 2, 3, 4, 5, 6] } });
    assert.deepEqual(Array.from(out.Y.data), new Array(6).fill(0));
  });

  test('truncated file', () => {
    assert.throws(() => importOnnx(good.subarray(0, Math.floor(good.length / 2)), 'half.onnx'),
      /ONNX half\.onnx: not a readable ONNX model \(\d+ bytes\).*truncated/);
  });

  test('not an ONNX file at all', () => {
    assert.throws(() => importOnnx(new TextEncoder().encode('hello, this is text'), 'notes.txt'), /ONNX notes\.txt: /);
  });

  test('unsupported operator', () => {
    assert.throws(() => importOnnx(lstmGraph(() => 'Conv'), 'conv.onnx'), /ONNX conv\.onnx: node 'Conv_node' \(Conv\): operator Conv is not supported; rnnkit imports RNN, LSTM and GRU with/);
  });

  test('unsupported attributes and inputs are named', () => {
    const cases: [string, (g: GraphBuilder, inputs: string[], attrs: Record<string, unknown>) => string | void, RegExp][] = [
      ['clip', (_g, _i, a) => { a.clip = { float: 3 }; }, /LSTM node 'LSTM_node': attribute 'clip' \(cell clipping at 3\) is not supported/],
      ['input_forget', (_g, _i, a) => { a.input_forget = 1; }, /attribute 'input_forget' = 1 .* is not supported/],
      ['peepholes', (g, i) => { i.push('', '', '', '', g.floats('P', [1, 6], new Float32Array(6))); }, /input P \(peephole weights\) is not supported/],
      ['activations', (_g, _i, a) => { a.activations = ['Sigmoid', 'Relu', 'Tanh']; }, /activations \[Sigmoid, Relu, Tanh\] .* is not supported/],
      ['reverse', (_g, _i, a) => { a.direction = 'reverse'; }, /'direction' = 'reverse'/],
      ['GRU linear_before_reset 0', (g, i, a) => {
        i[1] = g.floats('Wg', [1, 6, 2], new Float32Array(12)); i[2] = g.floats('Rg', [1, 6, 2], new Float32Array(12));
        a.linear_before_reset = 0; return 'GRU';
      }, /GRU node 'GRU_node': attribute 'linear_before_reset' = 0 .* is not supported/],
    ];
    for (const [label, edit, pattern] of cases) assert.throws(() => importOnnx(lstmGraph(edit), `${label}.onnx`), pattern, label);
  });

  test('weight shape mismatch', () => {
    const bytes = lstmGraph((g, i) => { i[2] = g.floats('R5', [1, 8, 5], new Float32Array(40)); });
    assert.throws(() => importOnnx(bytes, 'r.onnx'), /LSTM node 'LSTM_node': R has shape \[1, 8, 5\], expected \[1, 8, 2\]/);
  });

  test('input shape mismatch at run time', () => {
    const imported = importOnnx(good, 'lstm.onnx');
    assert.throws(() => imported.run({ input: { dims: [3, 1, 7], data: new Float32Array(21) } }),
      /ONNX lstm\.onnx: input 'input' has shape \[3, 1, 7\], the model expects \[T, B, 2\]/);
    assert.throws(() => imported.run({}), /input 'input' \[T, B, 2\] is missing/);
  });

  test('export refuses LSTM projections and float64 models', () => {
    assert.throws(() => exportOnnx(new LSTM({ inputSize: 2, hiddenSize: 4, projSize: 2 })), /projSize 2 cannot be exported: ONNX's LSTM operator has no projection/);
    assert.throws(() => exportOnnx(new LSTM({ inputSize: 2, hiddenSize: 4, dtype: 'float64' })), /only float32 models/);
  });
});
