import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LMBatcher, type LMWindow } from '../../src/data/lm-batcher.js';

const range = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

// PyTorch, for ids = torch.arange(21), B = 2, T = 3:
//   L = 20 // 2 = 10; xs = ids[:20].view(2, 10).t(); ys = ids[1:21].view(2, 10).t()
//   xs[0:3] = [[0, 10], [1, 11], [2, 12]]; ys[0:3] = [[1, 11], [2, 12], [3, 13]]
const expected = [
  { x: [0, 10, 1, 11, 2, 12], y: [1, 11, 2, 12, 3, 13] },
  { x: [3, 13, 4, 14, 5, 15], y: [4, 14, 5, 15, 6, 16] },
  { x: [6, 16, 7, 17, 8, 18], y: [7, 17, 8, 18, 9, 19] },
];

test('LMBatcher windows match the PyTorch view(B, L).t() recipe, time-major', () => {
  const batcher = new LMBatcher(range(21), { batchSize: 2, seqLen: 3 });
  assert.equal(batcher.streamLength, 10);
  assert.equal(batcher.windowsPerEpoch, 3);
  const seen: LMWindow[] = [];
  for (let i = 0; i < 4; i++) seen.push(batcher.next());
  for (let i = 0; i < 4; i++) {
    const w = seen[i];
    assert.deepEqual(Array.from(w.x), expected[i % 3].x, `x of window ${i}`);
    assert.deepEqual(Array.from(w.y), expected[i % 3].y, `y of window ${i}`);
    assert.ok(w.x instanceof Int32Array && w.y instanceof Int32Array);
  }
  assert.deepEqual(seen.map((w) => [w.epoch, w.index, w.position, w.startsEpoch, w.endsEpoch]),
    [[0, 0, 0, true, false], [0, 1, 3, false, false], [0, 2, 6, false, true], [1, 0, 0, true, false]]);
});

test('LMBatcher drops the tail that does not fill the B streams', () => {
  // 22 ids: L = 21 // 2 = 10 still, so id 21 is never used and the windows are the same.
  const batcher = new LMBatcher(range(22), { batchSize: 2, seqLen: 3 });
  assert.deepEqual(Array.from(batcher.windowAt(2).y), expected[2].y);
  // Exactly B*T + 1 ids give one window.
  const tight = new LMBatcher(range(7), { batchSize: 2, seqLen: 3 });
  assert.equal(tight.windowsPerEpoch, 1);
  assert.deepEqual(Array.from(tight.next().x), [0, 3, 1, 4, 2, 5]);
  const again = tight.next();
  assert.deepEqual([again.epoch, again.startsEpoch, again.endsEpoch], [1, true, true]);
  assert.deepEqual(Array.from(again.y), [1, 4, 2, 5, 3, 6]);
});

test('LMBatcher resumes mid-epoch from a saved state', () => {
  const a = new LMBatcher(range(21), { batchSize: 2, seqLen: 3 });
  a.next(); a.next();
  const saved = JSON.parse(JSON.stringify(a.state()));
  assert.deepEqual(saved, { position: 6, epoch: 0, batchSize: 2, seqLen: 3, tokens: 21 });
  const rest = [a.next(), a.next()];
  const b = new LMBatcher(range(21), { batchSize: 2, seqLen: 3 });
  b.setState(saved);
  for (const w of rest) assert.deepEqual(b.next(), w);
  assert.throws(() => new LMBatcher(range(21), { batchSize: 1, seqLen: 3 }).setState(saved),
    /checkpoint has batchSize 2, this batcher has 1/);
  assert.throws(() => b.setState({ ...saved, position: 4 }), /position 4 is not a window start \(multiples of 3 below 9\)/);
  assert.throws(() => b.setState({ ...saved, position: 9 }), /position 9 is not a window start/);
});

test('LMBatcher says how many tokens one window needs', () => {
  assert.throws(() => new LMBatcher(range(6), { batchSize: 2, seqLen: 3 }),
    /too short for one window: batchSize 2 x seqLen 3 needs at least 7 tokens \(B\*T \+ 1\), there are 6/);
  assert.throws(() => new LMBatcher(range(6), { batchSize: 0, seqLen: 3 }), /batchSize must be a positive integer, got 0/);
  assert.throws(() => new LMBatcher([0, 1, 2] as unknown as Int32Array, { batchSize: 1, seqLen: 1 }), /must be an Int32Array/);
  assert.throws(() => new LMBatcher(range(21), { batchSize: 2, seqLen: 3 }).windowAt(3), /index 3 is outside 0\.\.2/);
});
