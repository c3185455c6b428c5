import { ld, st } from './lanes';
import { partStart } from './team';

// Optimiser updates (src/kernels/kernels.ts TrainingKernels, reference src/kernels/js/optim.ts):
// one parameter updated in place from its gradient and its state, four lanes at a time with a
// one-lane tail. Float32 throughout, as PyTorch's float32 tensors compute; the scalars PyTorch
// computes in Python double (1 - β, 1 - lr·wd, bias corrections) arrive precomputed by the host.
// A null (0) state pointer means the option that uses it is off. Each runs as a team
// (./team.ts): thread tid updates its share [partStart(tid), partStart(tid + 1)) of the n values,
// whole vectors but for the last share's tail; every value's arithmetic is the same either way.

// @ts-ignore: decorator
@inline function sgdLanes(o: usize, p: usize, g: usize, buf: usize, initBuffer: bool, lr: f32, momentum: f32,
  oneMinusDampening: f32, weightDecay: f32, nesterov: bool, wide: bool): void {
  let d = f32x4.add(ld(g + o, wide), f32x4.mul(f32x4.splat(weightDecay), ld(p + o, wide)));
  if (buf) {
    const b = initBuffer ? d
      : f32x4.add(f32x4.mul(f32x4.splat(momentum), ld(buf + o, wide)), f32x4.mul(f32x4.splat(oneMinusDampening), d));
    st(buf + o, b, wide);
    d = nesterov ? f32x4.add(d, f32x4.mul(f32x4.splat(momentum), b)) : b;
  }
  st(p + o, f32x4.sub(ld(p + o, wide), f32x4.mul(f32x4.splat(lr), d)), wide);
}

export function sgdUpdate(n: i32, p: usize, g: usize, buf: usize, initBuffer: bool, lr: f32, momentum: f32,
  oneMinusDampening: f32, weightDecay: f32, nesterov: bool, tid: i32, nt: i32): void {
  let i = partStart(n, 4, tid, nt);
  const end = partStart(n, 4, tid + 1, nt);
  for (; i + 4 <= end; i += 4) sgdLanes(<usize>i << 2, p, g, buf, initBuffer, lr, momentum, oneMinusDampening, weightDecay, nesterov, true);
  for (; i < end; i++) sgdLanes(<usize>i << 2, p, g, buf, initBuffer, lr, momentum, oneMinusDampening, weightDecay, nesterov, false);
}

// @ts-ignore: decorator
@inline function adagradLanes(o: usize, p: usize, g: usize, sum: usize, clr: f32, weightDecay: f32, eps: f32,
  wide: bool): void {
  const pv = ld(p + o, wide);
  const d = f32x4.add(ld(g + o, wide), f32x4.mul(f32x4.splat(weightDecay), pv));
  const s = f32x4.add(ld(sum + o, wide), f32x4.mul(d, d));
  st(sum + o, s, wide);
  const std = f32x4.add(f32x4.sqrt(s), f32x4.splat(eps));
  st(p + o, f32x4.sub(pv, f32x4.div(f32x4.mul(f32x4.splat(clr), d), std)), wide);
}

export function adagradUpdate(n: i32, p: usize, g: usize, sum: usize, clr: f32, weightDecay: f32, eps: f32,
  tid: i32, nt: i32): void {
  let i = partStart(n, 4, tid, nt);
  const end = partStart(n, 4, tid + 1, nt);
  for (; i + 4 <= end; i += 4) adagradLanes(<usize>i << 2, p, g, sum, clr, weightDecay, eps, true);
  for (; i < end; i++) adagradLanes(<usize>i << 2, p, g, sum, clr, weightDecay, eps, false);
}

// @ts-ignore: decorator
@inline function rmspropLanes(o: usize, p: usize, g: usize, squareAvg: usize, gradAvg: usize, buf: usize, lr: f32,
  alpha: f32, oneMinusAlpha: f32, eps: f32, weightDecay: f32, momentum: f32, wide: bool): void {
  const pv = ld(p + o, wide);
  const d = f32x4.add(ld(g + o, wide), f32x4.mul(f32x4.splat(weightDecay), pv));
  const a = f32x4.splat(alpha), oma = f32x4.splat(oneMinusAlpha);
  const sq = f32x4.add(f32x4.mul(a, ld(squareAvg + o, wide)), f32x4.mul(oma, f32x4.mul(d, d)));
  st(squareAvg + o, sq, wide);
  let variance = sq;
  if (gradAvg) {
    const ga = f32x4.add(f32x4.mul(a, ld(gradAvg + o, wide)), f32x4.mul(oma, d));
    st(gradAvg + o, ga, wide);
    variance = f32x4.sub(sq, f32x4.mul(ga, ga));
  }
  const avg = f32x4.add(f32x4.sqrt(variance), f32x4.splat(eps));
  if (buf) {
    const b = f32x4.add(f32x4.mul(f32x4.splat(momentum), ld(buf + o, wide)), f32x4.div(d, avg));
    st(buf + o, b, wide);
    st(p + o, f32x4.sub(pv, f32x4.mul(f32x4.splat(lr), b)), wide);
  } else {
    st(p + o, f32x4.sub(pv, f32x4.div(f32x4.mul(f32x4.splat(lr), d), avg)), wide);
  }
}

export function rmspropUpdate(n: i32, p: usize, g: usize, squareAvg: usize, gradAvg: usize, buf: usize, lr: f32,
  alpha: f32, oneMinusAlpha: f32, eps: f32, weightDecay: f32, momentum: f32, tid: i32, nt: i32): void {
  let i = partStart(n, 4, tid, nt);
  const end = partStart(n, 4, tid + 1, nt);
  for (; i + 4 <= end; i += 4) {
    rmspropLanes(<usize>i << 2, p, g, squareAvg, gradAvg, buf, lr, alpha, oneMinusAlpha, eps, weightDecay, momentum, true);
  }
  for (; i < end; i++) {
    rmspropLanes(<usize>i << 2, p, g, squareAvg, gradAvg, buf, lr, alpha, oneMinusAlpha, eps, weightDecay, momentum, false);
  }
}

// @ts-ignore: decorator
@inline function adamLanes(o: usize, p: usize, g: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32, coupledDecay: f32, shrink: f32,
  stepSize: f32, bias2Sqrt: f32, wide: bool): void {
  const pv = ld(p + o, wide);
  const d = f32x4.add(ld(g + o, wide), f32x4.mul(f32x4.splat(coupledDecay), pv));
  const m = f32x4.add(f32x4.mul(f32x4.splat(beta1), ld(expAvg + o, wide)), f32x4.mul(f32x4.splat(oneMinusBeta1), d));
  let v = f32x4.add(f32x4.mul(f32x4.splat(beta2), ld(expAvgSq + o, wide)),
    f32x4.mul(f32x4.splat(oneMinusBeta2), f32x4.mul(d, d)));
  st(expAvg + o, m, wide);
  st(expAvgSq + o, v, wide);
  if (maxExpAvgSq) {
    v = f32x4.max(ld(maxExpAvgSq + o, wide), v);
    st(maxExpAvgSq + o, v, wide);
  }
  const denom = f32x4.add(f32x4.div(f32x4.sqrt(v), f32x4.splat(bias2Sqrt)), f32x4.splat(eps));
  const step = f32x4.div(f32x4.mul(f32x4.splat(stepSize), m), denom);
  st(p + o, f32x4.sub(f32x4.mul(pv, f32x4.splat(shrink)), step), wide);
}

export function adamUpdate(n: i32, p: usize, g: usize, expAvg: usize, expAvgSq: usize, maxExpAvgSq: usize,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32, coupledDecay: f32, shrink: f32,
  stepSize: f32, bias2Sqrt: f32, tid: i32, nt: i32): void {
  let i = partStart(n, 4, tid, nt);
  const end = partStart(n, 4, tid + 1, nt);
  for (; i + 4 <= end; i += 4) {
    adamLanes(<usize>i << 2, p, g, expAvg, expAvgSq, maxExpAvgSq, beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps,
      coupledDecay, shrink, stepSize, bias2Sqrt, true);
  }
  for (; i < end; i++) {
    adamLanes(<usize>i << 2, p, g, expAvg, expAvgSq, maxExpAvgSq, beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps,
      coupledDecay, shrink, stepSize, bias2Sqrt, false);
  }
}
