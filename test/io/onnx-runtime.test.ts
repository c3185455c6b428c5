import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as ort from 'onnxruntime-web';
import { assertClose } from '../helpers/close.js';
import { exportCase, onnxCases } from './onnx-cases.js';

// Exported models run in ONNX Runtime (the wasm build, in-process, no Python) and must give
// rnnkit's numbers: every cell type, 1-2 layers, bidirectional, bias off, unsorted sequence
// lengths, initial states, batch-first, and CharLM with a softmax head.

ort.env.wasm.numThreads = 1;
const TOL = { atol: 1e-5, rtol: 1e-4 };

describe('ONNX export runs in ONNX Runtime', () => {
  for (const c of onnxCases()) {
    test(c.name, async () => {
      const session = await ort.InferenceSession.create(exportCase(c));
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, f] of Object.entries(c.feeds)) {
        const data = f.data instanceof BigInt64Array || f.data instanceof Int32Array ? f.data : Float32Array.from(f.data as ArrayLike<number>);
        feeds[name] = new ort.Tensor(data as Float32Array, [...f.dims]);
      }
      assert.deepEqual([...session.inputNames].sort(), Object.keys(feeds).sort());
      const out = await session.run(feeds);
      assert.deepEqual([...session.outputNames].sort(), Object.keys(c.expected).sort());
      for (const [name, want] of Object.entries(c.expected)) {
        assert.deepEqual([...out[name].dims], [...want.shape], `${c.name}: ${name} shape`);
        assertClose(out[name].data as Float32Array, want.data, TOL, `${c.name}: ${name}`);
      }
      await session.release();
    });
  }
});
