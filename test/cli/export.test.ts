import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadCharLM } from '../../src/apps/charlm/load.js';
import { importOnnx } from '../../src/io/onnx/import.js';
import { modelFromTorch } from '../../src/io/onnx/torch-handoff.js';
import { loadStateDictFile } from '../../src/io/safetensors-file.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { assertClose } from '../helpers/close.js';
import { assertCleanFailure, makeTempDir, removeTempDir, runCli, tinyCorpus, trainTiny, writeText } from './cli-helpers.js';

// `rnnkit export` on a tiny trained run: the files it writes rebuild the same model.

describe('rnnkit export', () => {
  let dir: string, run: string;
  before(async () => {
    dir = makeTempDir();
    run = join(dir, 'run');
    await trainTiny(writeText(join(dir, 'tiny.txt'), tinyCorpus()), run, ['--no-plot']);
  });
  after(() => removeTempDir(dir));

  const ids = [1, 2, 3, 4, 0, 5, 6, 1], T = 4, B = 2;

  test('--format safetensors writes a PyTorch state dict and config.json that rebuild the model', async () => {
    const out = join(dir, 'torch', 'model.safetensors');
    const r = await runCli(['export', run, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^wrote .*model\.safetensors \(\d+ tensors\) and .*config\.json\n$/);
    const config = JSON.parse(readFileSync(join(dir, 'torch', 'config.json'), 'utf8'));
    assert.equal(config.kind, 'stack');
    assert.ok(Array.isArray(config.vocabulary.tokens));
    const back = modelFromTorch(config, loadStateDictFile(out));
    const { model } = loadCharLM(run);
    const want = noGrad(() => model.forward(ids, T, B).logits);
    const got = noGrad(() => back.head!.forward(back.rnn.forward(back.embedding!.forward(ids, [T, B])).output));
    assert.deepEqual(Array.from(got.data), Array.from(want.data));
  });

  test('--format onnx writes a graph with the config and vocabulary in its metadata', async () => {
    const out = join(dir, 'model.onnx');
    const r = await runCli(['export', run, '--out', out, '--softmax', '--initial-states']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /opset 14\); inputs: ids \[T, B\] int64; h0/);
    const imported = importOnnx(readFileSync(out), out);
    const { model, vocab } = loadCharLM(run);
    assert.deepEqual(JSON.parse(imported.metadata['rnnkit.config']), model.config);
    assert.deepEqual(JSON.parse(imported.metadata['rnnkit.vocabulary']), vocab.toJSON());
    const L = model.config.numLayers, H = model.config.hiddenSize;
    const feeds: Record<string, { dims: number[]; data: number[] }> = { ids: { dims: [T, B], data: ids }, h0: { dims: [L, B, H], data: new Array(L * B * H).fill(0) } };
    if (model.config.cell === 'lstm') feeds.c0 = { dims: [L, B, H], data: new Array(L * B * H).fill(0) };
    const probs = imported.run(feeds).probs;
    const logits = noGrad(() => model.forward(ids, T, B).logits);
    const V = model.config.vocabSize, want = new Float64Array(logits.size);
    for (let i = 0; i < logits.size; i += V) {
      const row = Array.from(logits.data.subarray(i, i + V)), max = Math.max(...row), s = row.reduce((a, v) => a + Math.exp(v - max), 0);
      row.forEach((v, j) => { want[i + j] = Math.exp(v - max) / s; });
    }
    assertClose(probs.data, want, { atol: 1e-6, rtol: 1e-5 }, 'probs');
  });

  test('usage mistakes exit 2 with one clear line', async () => {
    assertCleanFailure(await runCli(['export', run, '--out', join(dir, 'model.bin')]), 2, /give --format safetensors or --format onnx/);
    assertCleanFailure(await runCli(['export', run, '--out', join(dir, 'm.safetensors'), '--softmax']), 2, /apply to --format onnx only/);
    assertCleanFailure(await runCli(['export', join(dir, 'nope'), '--out', join(dir, 'm.onnx')]), 1, /no such run folder/);
  });
});
