import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CharLMCheckpointMeta } from '../../src/apps/charlm/train.js';
import { loadSafetensors } from '../../src/io/safetensors-file.js';
import { type CheckpointData, loadCheckpoint } from '../../src/train/checkpoint.js';
import type { ChildFault, ChildJob } from './charlm-child.js';

// Kill-and-resume exactness of trainCharLM. Each run is a child process (charlm-child.ts) killed
// with SIGKILL at a chosen point: after a step's update but before its checkpoint, inside the
// rename that publishes a checkpoint, halfway through writing a checkpoint's temp file, and at a
// moment picked by the parent. After every kill the checkpoint on disk must load; resuming from it
// (resume: true, in a new process) must end with weights, optimiser state, RNG state, data
// position and learning curve bit-identical to one uninterrupted run, with the killed run's temp
// files still lying in the folder.

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'charlm-child.js');
const MAX_STEPS = 40;
const EVERY = 2;
// Tiny model; dropout 0.1 between the 2 layers and before the head, so that resuming must also
// restore the random generator. evalEvery puts points on the learning curve (part of the state).
const OPTIONS = {
  cell: 'lstm', embeddingDim: 8, hiddenSize: 16, numLayers: 2, dropout: 0.1, batchSize: 4, seqLen: 8,
  lr: 3e-3, clip: 1, seed: 7, valFraction: 0.1, evalEvery: 10, sampleEvery: 0, maxSteps: MAX_STEPS, checkpointEvery: EVERY,
};

/**
 * Deterministic English-like text from a fixed word list. About 1.2 KB, so that the 40 steps
 * (33 windows of [8, 4] per epoch) cross an epoch boundary, where the carried state is reset.
 */
function corpus(): string {
  const words = ['the', 'recurrent', 'network', 'reads', 'one', 'character', 'at', 'a', 'time', 'and',
    'learns', 'to', 'guess', 'next', 'state', 'carries', 'what', 'it', 'has', 'seen', 'so', 'far'];
  let x = 12345, out = '';
  while (out.length < 1200) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += words[(x >>> 16) % words.length] + ((x >>> 8) % 7 === 0 ? '.\n' : ' ');
  }
  return out;
}

let root = '';
let textPath = '';
let reference = '';

interface ChildResult { signal: NodeJS.Signals | null; code: number | null; checkpoints: number[]; done: number | null; stderr: string }

/**
 * Runs one child; with killAfterCheckpoints = k the parent SIGKILLs it killDelayMs after its k-th
 * checkpoint line.
 */
function runChild(outDir: string, resume: boolean, fault?: ChildFault, killAfterCheckpoints?: number, killDelayMs = 0): Promise<ChildResult> {
  const job: ChildJob = { outDir, textPath, resume, options: OPTIONS, fault };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const r: ChildResult = { signal: null, code: null, checkpoints: [], done: null, stderr: '' };
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const [what, n] = line.split(' ');
        if (what === 'checkpoint') r.checkpoints.push(Number(n));
        if (what === 'done') r.done = Number(n);
        if (what === 'checkpoint' && r.checkpoints.length === killAfterCheckpoints) setTimeout(() => child.kill('SIGKILL'), killDelayMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { r.stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code, signal) => { r.code = code; r.signal = signal; resolve(r); });
  });
}

async function trainToEnd(outDir: string): Promise<void> {
  const r = await runChild(outDir, true);
  assert.equal(r.code, 0, `resumed run failed:\n${r.stderr}`);
  assert.equal(r.done, MAX_STEPS);
}

function expectKilled(r: ChildResult, what: string): void {
  assert.equal(r.signal, 'SIGKILL', `${what}: the child was not killed (exit code ${r.code}, done ${r.done}):\n${r.stderr}`);
  assert.equal(r.done, null);
}

/** The checkpoint left by a kill loads completely; returns its step. */
function checkpointOnDisk(outDir: string): number {
  const c = loadCheckpoint<CharLMCheckpointMeta>(join(outDir, 'checkpoint.safetensors'));
  for (const [name, t] of c.model) assert.ok(t.data.every(Number.isFinite), `${name} is not finite`);
  assert.ok(c.optimizer && Object.keys(c.optimizer.buffers).length > 0, 'the checkpoint has no optimiser state');
  assert.equal(c.optimizer.step, c.meta.step);
  // The bare weights beside it load too (they may be one checkpoint older, never torn).
  assert.ok(loadSafetensors(join(outDir, 'model.safetensors')).tensors.size > 0);
  return c.meta.step;
}

function tempFiles(outDir: string): string[] {
  return readdirSync(outDir).filter((f) => f.endsWith('.tmp'));
}

function bytesOf(t: { data: Float32Array | Float64Array }): Buffer {
  return Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Everything that determines the rest of training equals the uninterrupted run's, bit for bit. */
function assertSameAsReference(outDir: string): void {
  for (const f of ['model.safetensors', 'learning-curve.csv', 'config.json']) {
    assert.ok(readFileSync(join(outDir, f)).equals(readFileSync(join(reference, f))), `${f} differs from the uninterrupted run`);
  }
  const a = loadCheckpoint<CharLMCheckpointMeta>(join(outDir, 'checkpoint.safetensors'));
  const b = loadCheckpoint<CharLMCheckpointMeta>(join(reference, 'checkpoint.safetensors'));
  const tensors = (c: CheckpointData<CharLMCheckpointMeta>) => new Map([
    ...[...c.model].map(([k, t]) => [`model.${k}`, bytesOf(t)] as const),
    ...[...c.extra].map(([k, t]) => [`extra.${k}`, bytesOf(t)] as const),
    ...Object.entries(c.optimizer!.buffers).map(([k, v]) => [`optim.${k}`, bytesOf({ data: v })] as const),
  ]);
  const ta = tensors(a), tb = tensors(b);
  assert.deepEqual([...ta.keys()].sort(), [...tb.keys()].sort());
  assert.ok(tb.has('extra.carry.h') && tb.has('extra.carry.c'), 'the carried LSTM state is checkpointed');
  for (const [k, v] of tb) assert.ok(ta.get(k)!.equals(v), `checkpoint tensor ${k} differs from the uninterrupted run`);
  const { buffers: _a, ...optA } = a.optimizer!;
  const { buffers: _b, ...optB } = b.optimizer!;
  assert.deepEqual(optA, optB);
  const { seconds: _sa, ...metaA } = a.meta;
  const { seconds: _sb, ...metaB } = b.meta;
  assert.deepEqual(metaA, metaB);
  assert.equal(metaA.step, MAX_STEPS);
}

/** A fresh run folder for one case. */
function caseDir(name: string): string {
  return join(root, name);
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'rnnkit-kill-resume-'));
  textPath = join(root, 'text.txt');
  writeFileSync(textPath, corpus());
  reference = caseDir('reference');
  const r = await runChild(reference, false);
  assert.equal(r.code, 0, `uninterrupted run failed:\n${r.stderr}`);
  const expected = Array.from({ length: MAX_STEPS / EVERY }, (_, i) => (i + 1) * EVERY);
  assert.deepEqual(r.checkpoints, expected);
  assert.deepEqual(tempFiles(reference), []);
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

test('the uninterrupted run is reproducible: a second one is bit-identical', async () => {
  const dir = caseDir('again');
  const r = await runChild(dir, false);
  assert.equal(r.code, 0, r.stderr);
  assertSameAsReference(dir);
  // Resuming a finished run changes nothing.
  await trainToEnd(dir);
  assertSameAsReference(dir);
});

test('killed after a step\'s update, before its checkpoint: resume redoes the step exactly', async () => {
  const dir = caseDir('after-update');
  expectKilled(await runChild(dir, false, { kind: 'kill-after-update', step: 7 }), 'kill after update');
  assert.equal(checkpointOnDisk(dir), 6);
  await trainToEnd(dir);
  assertSameAsReference(dir);
});

test('killed inside the rename of the 3rd checkpoint: the 2nd stays, the orphaned temp file does no harm', async () => {
  const dir = caseDir('at-rename');
  expectKilled(await runChild(dir, false, { kind: 'kill-at-rename', n: 3 }), 'kill at rename');
  assert.equal(checkpointOnDisk(dir), 4);
  const temps = tempFiles(dir);
  assert.equal(temps.length, 1);
  assert.match(temps[0], /^\.checkpoint\.safetensors\.\d+\.[0-9a-f]+\.tmp$/);
  // The temp file was complete (the step-6 checkpoint), only not yet published.
  assert.equal(loadCheckpoint<CharLMCheckpointMeta>(join(dir, temps[0])).meta.step, 6);
  await trainToEnd(dir);
  assertSameAsReference(dir);
  assert.deepEqual(tempFiles(dir), temps);
});

test('killed halfway through writing the 3rd checkpoint: the 2nd stays loadable, the torn temp file does no harm', async () => {
  const dir = caseDir('mid-write');
  expectKilled(await runChild(dir, false, { kind: 'kill-mid-write', n: 3 }), 'kill mid-write');
  assert.equal(checkpointOnDisk(dir), 4);
  const temps = tempFiles(dir);
  assert.equal(temps.length, 1);
  const size = statSync(join(dir, temps[0])).size;
  const full = statSync(join(dir, 'checkpoint.safetensors')).size;
  assert.ok(size > 0 && size < full * 0.6, `the torn temp file has ${size} bytes of ~${full}`);
  assert.throws(() => loadCheckpoint(join(dir, temps[0])), /is damaged or not a checkpoint/);
  await trainToEnd(dir);
  assertSameAsReference(dir);
});

test('killed by the parent at an unplanned moment, then killed three more times while resuming: still exact', async (t) => {
  const dir = caseDir('chain');
  // The parent kills 0-20 ms after the 2nd checkpoint line while the child keeps training (2 ms of
  // busy-waiting per step keeps it from finishing first), so where it dies is chance: in a step,
  // in a checkpoint write, between the files of one checkpoint.
  const delay = Math.floor(Math.random() * 20);
  expectKilled(await runChild(dir, false, { kind: 'slow', ms: 2 }, 2, delay), 'kill by parent');
  const first = checkpointOnDisk(dir);
  t.diagnostic(`killed ${delay} ms after the checkpoint of step 4; the checkpoint of step ${first} survived`);
  // The planned kills below need 5 more steps before the end.
  assert.ok(first >= 2 * EVERY && first <= MAX_STEPS - 5, `the killed run left the checkpoint of step ${first}: the kill came too late`);

  // Resume, and die in the rename of the resumed run's 2nd checkpoint...
  expectKilled(await runChild(dir, true, { kind: 'kill-at-rename', n: 2 }), 'resume, kill at rename');
  assert.equal(checkpointOnDisk(dir), first + EVERY);
  // ...resume, and die halfway through its 1st checkpoint...
  expectKilled(await runChild(dir, true, { kind: 'kill-mid-write', n: 1 }), 'resume, kill mid-write');
  assert.equal(checkpointOnDisk(dir), first + EVERY);
  // ...resume, and die after an update...
  expectKilled(await runChild(dir, true, { kind: 'kill-after-update', step: first + EVERY + 3 }), 'resume, kill after update');
  assert.equal(checkpointOnDisk(dir), first + 2 * EVERY);
  assert.ok(tempFiles(dir).length >= 2);
  // ...and finish.
  await trainToEnd(dir);
  assertSameAsReference(dir);
});

test('a checkpoint copied out of a killed run resumes in another folder to the same result', async () => {
  const killed = caseDir('copy-src');
  expectKilled(await runChild(killed, false, { kind: 'kill-after-update', step: 13 }), 'kill after update');
  assert.equal(checkpointOnDisk(killed), 12);
  const dir = caseDir('copy-dst');
  cpSync(killed, dir, { recursive: true });
  assert.ok(existsSync(join(dir, 'checkpoint.safetensors')));
  await trainToEnd(dir);
  assertSameAsReference(dir);
});
