import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from '../../src/tensor/tensor.js';
import { serializeSafetensors, parseSafetensors } from '../../src/io/safetensors.js';
import { loadStateDictFile, saveSafetensors } from '../../src/io/safetensors-file.js';
import { assertClose } from '../helpers/close.js';
import { fixturePath, loadFixture } from '../helpers/fixtures.js';

// Files and values written by scripts/fixtures/safetensors_fixture.py from torch.nn.LSTM/GRU (seed 0).
interface Recorded { name: string; shape: number[]; values: number[] }
interface TorchIo { module: string; state_dict: Recorded[] }

const RNNKIT_WRITTEN = 'safetensors/rnnkit_written.safetensors';
const RNNKIT_METADATA = { format: 'pt', producer: 'rnnkit' };

for (const [kind, expectedCount] of [['lstm', 16], ['gru', 4]] as const) {
  test(`torch_${kind}.safetensors loads with PyTorch's names, shapes and exact float32 values`, () => {
    const io = loadFixture<TorchIo>(`safetensors/torch_${kind}_io.json`);
    const loaded = loadStateDictFile(fixturePath(`safetensors/torch_${kind}.safetensors`));
    assert.equal(loaded.size, expectedCount);
    assert.deepEqual([...loaded.keys()].sort(), io.state_dict.map((r) => r.name).sort());
    for (const r of io.state_dict) {
      const t = loaded.get(r.name)!;
      assert.equal(t.dtype, 'float32', r.name);
      assert.deepEqual(t.shape, r.shape, r.name);
      // 9 significant digits round-trip a float32 exactly, so the match is exact.
      assertClose(t.data, Float32Array.from(r.values), { atol: 0, rtol: 0 }, r.name);
    }
  });

  test(`our writer reproduces torch_${kind}.safetensors byte for byte (order and padding)`, () => {
    const fileBytes = readFileSync(fixturePath(`safetensors/torch_${kind}.safetensors`));
    // Insert in reverse of PyTorch's order to show that the writer's sort, not insertion, decides.
    const loaded = [...loadStateDictFile(fixturePath(`safetensors/torch_${kind}.safetensors`))].reverse();
    const ours = serializeSafetensors(new Map(loaded));
    assert.equal(ours.length, fileBytes.length);
    assert.ok(Buffer.from(ours).equals(fileBytes), 'bytes differ from the torch-written file');
  });
}

test('the LSTM weights in PyTorch order: weight_ih_l0 [16, 3], weight_ih_l1 [16, 8], reverse direction', () => {
  const sd = loadStateDictFile(fixturePath('safetensors/torch_lstm.safetensors'));
  assert.deepEqual(sd.get('weight_ih_l0')!.shape, [16, 3]);
  assert.deepEqual(sd.get('weight_hh_l0_reverse')!.shape, [16, 4]);
  assert.deepEqual(sd.get('weight_ih_l1')!.shape, [16, 8]);
  assert.deepEqual(sd.get('bias_hh_l1_reverse')!.shape, [16]);
});

// The committed rnnkit_written.safetensors is what this test writes; the Python script's
// --check-ours mode loads it into torch.nn.LSTM strictly. RNNKIT_UPDATE_FIXTURES=1 rewrites it.
test('rnnkit_written.safetensors is exactly what saveSafetensors writes today', () => {
  const io = loadFixture<TorchIo>('safetensors/torch_lstm_io.json');
  const tensors = new Map(io.state_dict.map((r) => [r.name, Tensor.from(r.values, r.shape)]));
  const dir = mkdtempSync(join(tmpdir(), 'rnnkit-st-'));
  try {
    const path = join(dir, 'lstm.safetensors');
    saveSafetensors(path, tensors, RNNKIT_METADATA);
    const written = readFileSync(path);
    if (process.env.RNNKIT_UPDATE_FIXTURES === '1') writeFileSync(fixturePath(RNNKIT_WRITTEN), written);
    assert.ok(written.equals(readFileSync(fixturePath(RNNKIT_WRITTEN))), 'writer output changed; see the test comment');
    const parsed = parseSafetensors(written);
    assert.deepEqual(parsed.metadata, RNNKIT_METADATA);
    assert.equal(parsed.tensors.size, 16);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
