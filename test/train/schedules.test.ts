import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Tensor } from '../../src/tensor/tensor.js';
import {
  CosineAnnealingLR, ExponentialLR, LinearWarmup, type LRSchedule, ReduceLROnPlateau,
  type ReduceLROnPlateauOptions, SGD, StepLR,
} from '../../src/train/index.js';
import { assertClose } from '../helpers/close.js';
import { loadFixture } from '../helpers/fixtures.js';

// PyTorch 1.13 lr sequences from scripts/fixtures/train_fixtures.py (fixtures/train/schedules.json):
// the lr after construction, then after each of 20 step() calls.
interface SchedSpec { kind: string; opts: Record<string, unknown> }
interface SchedCase extends SchedSpec { name: string; baseLr: number; lrs: number[]; metrics?: number[] }

const cases = loadFixture<{ cases: SchedCase[] }>('train/schedules.json').cases;
// The fixtures come from PyTorch's chainable (recursive) forms, ours are the closed forms.
const TOL = { atol: 1e-15, rtol: 1e-12 };

function optimizer(lr: number): SGD {
  return new SGD([Tensor.zeros([1], 'float32', true)], { lr });
}

function makeSchedule(opt: SGD, spec: SchedSpec): LRSchedule {
  const o = spec.opts as never;
  switch (spec.kind) {
    case 'StepLR': return new StepLR(opt, o);
    case 'ExponentialLR': return new ExponentialLR(opt, o);
    case 'CosineAnnealingLR': return new CosineAnnealingLR(opt, o);
    case 'LinearWarmup': {
      const after = spec.opts.after ? makeSchedule(opt, spec.opts.after as SchedSpec) : undefined;
      return new LinearWarmup(opt, { ...(spec.opts as { warmupSteps: number }), after });
    }
    default: throw new Error(`unknown schedule ${spec.kind}`);
  }
}

test('StepLR, ExponentialLR, CosineAnnealingLR, LinearWarmup (alone and wrapping) match PyTorch over 20 epochs', () => {
  const epochCases = cases.filter((c) => c.kind !== 'ReduceLROnPlateau');
  assert.ok(epochCases.length >= 8);
  for (const c of epochCases) {
    const opt = optimizer(c.baseLr);
    const s = makeSchedule(opt, c);
    const lrs = [opt.lr];
    for (let e = 0; e < 20; e++) { opt.step(); s.step(); lrs.push(opt.lr); assert.equal(s.lastLr, opt.lr); }
    assertClose(lrs, c.lrs, TOL, c.name);
  }
});

test('ReduceLROnPlateau matches PyTorch (patience, cooldown, minLr, abs threshold, max mode, eps)', () => {
  for (const c of cases.filter((x) => x.kind === 'ReduceLROnPlateau')) {
    const opt = optimizer(c.baseLr);
    const s = new ReduceLROnPlateau(opt, c.opts as ReduceLROnPlateauOptions);
    const lrs = [opt.lr];
    for (const m of c.metrics!) { s.step(m); lrs.push(opt.lr); }
    assertClose(lrs, c.lrs, TOL, c.name);
  }
});

test('schedule state round trip through JSON resumes the same lr sequence', () => {
  for (const c of cases) {
    const straightOpt = optimizer(c.baseLr);
    const plateau = c.kind === 'ReduceLROnPlateau';
    const straight = plateau ? new ReduceLROnPlateau(straightOpt, c.opts) : makeSchedule(straightOpt, c);
    const stepOf = (s: LRSchedule | ReduceLROnPlateau, e: number) => (s instanceof ReduceLROnPlateau ? s.step(c.metrics![e]) : s.step());
    const expected: number[] = [];
    for (let e = 0; e < 20; e++) { stepOf(straight, e); expected.push(straightOpt.lr); }

    const firstOpt = optimizer(c.baseLr);
    const first = plateau ? new ReduceLROnPlateau(firstOpt, c.opts) : makeSchedule(firstOpt, c);
    for (let e = 0; e < 7; e++) stepOf(first, e);
    const saved = JSON.parse(JSON.stringify({ opt: firstOpt.stateDict(), sched: first.stateDict() }));
    // A new run with another lr and other hyper-parameters: both come back from the state.
    const secondOpt = optimizer(0.5);
    const second = plateau ? new ReduceLROnPlateau(secondOpt, { ...c.opts, factor: 0.9 }) : makeSchedule(secondOpt, c);
    secondOpt.loadStateDict(saved.opt);
    second.loadStateDict(saved.sched);
    const got = expected.slice(0, 7);
    for (let e = 7; e < 20; e++) { stepOf(second, e); got.push(secondOpt.lr); }
    assert.deepEqual(got, expected, c.name);
  }
});

test('schedules reject bad options and foreign states', () => {
  const opt = optimizer(0.1);
  assert.throws(() => new StepLR(opt, { stepSize: 0 }), /StepLR: stepSize must be a positive integer, got 0/);
  assert.throws(() => new CosineAnnealingLR(opt, { tMax: -1 }), /tMax must be a positive number/);
  assert.throws(() => new LinearWarmup(opt, { warmupSteps: 3, startFactor: 0 }), /startFactor must be in \(0, 1\]/);
  assert.throws(() => new LinearWarmup(opt, { warmupSteps: 2.5 }), /warmupSteps must be a positive integer/);
  assert.throws(() => new LinearWarmup(opt, { warmupSteps: 2, after: new ExponentialLR(optimizer(1), { gamma: 0.5 }) }),
    /wrapped schedule drives another optimiser/);
  assert.throws(() => new ReduceLROnPlateau(opt, { factor: 1 }), /factor must be < 1/);
  const step = new StepLR(opt, { stepSize: 2 });
  assert.throws(() => step.loadStateDict(new ExponentialLR(opt, { gamma: 0.5 }).stateDict()), /StepLR.loadStateDict: the state is for a ExponentialLR schedule/);
  const warm = new LinearWarmup(opt, { warmupSteps: 2 });
  const wrapping = new LinearWarmup(opt, { warmupSteps: 2, after: new StepLR(opt, { stepSize: 3 }) });
  assert.throws(() => warm.loadStateDict(wrapping.stateDict()), /the state wraps another schedule, this one does not/);
});
