import type { Buf } from '../../kernels/kernels.js';

// The inner loop of every optimiser: one parameter tensor updated in place from its gradient and
// its state buffers (all of the parameter's length). Plain functions over typed arrays, so fast
// backends can re-implement each as one kernel; the classes around them only keep the state.
// Each follows PyTorch 1.13's single-tensor implementation line by line (torch/optim/*.py). Values
// are computed in double and rounded once when stored; buffers are read back after storing so a
// float32 run sees the same rounded state PyTorch's float32 tensors hold.

export type SgdHyper = { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean };

/**
 * SGD: d = g + wd·p; with momentum, buf = d on the first step (initBuffer) and
 * buf = μ·buf + (1 - dampening)·d after; d = nesterov ? d + μ·buf : buf; p -= lr·d.
 * momentumBuf may be null when momentum is 0.
 */
export function sgdUpdate(param: Buf, grad: Buf, momentumBuf: Buf | null, initBuffer: boolean, h: SgdHyper): void {
  const { lr, momentum, dampening, weightDecay, nesterov } = h;
  for (let i = 0; i < param.length; i++) {
    let d = grad[i] + weightDecay * param[i];
    if (momentum !== 0 && momentumBuf) {
      momentumBuf[i] = initBuffer ? d : momentum * momentumBuf[i] + (1 - dampening) * d;
      const b = momentumBuf[i];
      d = nesterov ? d + momentum * b : b;
    }
    param[i] -= lr * d;
  }
}

export type AdagradHyper = { lr: number; lrDecay: number; weightDecay: number; initialAccumulatorValue: number; eps: number };

/** Adagrad at step t (1-based): clr = lr / (1 + (t - 1)·lrDecay); sum += d²; p -= clr·d / (√sum + eps). */
export function adagradUpdate(param: Buf, grad: Buf, sum: Buf, step: number, h: AdagradHyper): void {
  const clr = h.lr / (1 + (step - 1) * h.lrDecay);
  for (let i = 0; i < param.length; i++) {
    const d = grad[i] + h.weightDecay * param[i];
    sum[i] += d * d;
    param[i] -= clr * d / (Math.sqrt(sum[i]) + h.eps);
  }
}

export type RmspropHyper = { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean };

/**
 * RMSprop: sq = α·sq + (1 - α)·d²; centered: ga = α·ga + (1 - α)·d, avg = √(sq - ga²), else
 * avg = √sq; avg += eps; with momentum buf = μ·buf + d / avg, p -= lr·buf; else p -= lr·d / avg.
 * gradAvg is used only when centered, momentumBuf only when momentum > 0.
 */
export function rmspropUpdate(param: Buf, grad: Buf, squareAvg: Buf, gradAvg: Buf | null, momentumBuf: Buf | null,
  h: RmspropHyper): void {
  const { lr, alpha, eps, weightDecay, momentum, centered } = h;
  for (let i = 0; i < param.length; i++) {
    const d = grad[i] + weightDecay * param[i];
    squareAvg[i] = alpha * squareAvg[i] + (1 - alpha) * d * d;
    let variance = squareAvg[i];
    if (centered && gradAvg) {
      gradAvg[i] = alpha * gradAvg[i] + (1 - alpha) * d;
      variance -= gradAvg[i] * gradAvg[i];
    }
    const avg = Math.sqrt(variance) + eps;
    if (momentum > 0 && momentumBuf) {
      momentumBuf[i] = momentum * momentumBuf[i] + d / avg;
      param[i] -= lr * momentumBuf[i];
    } else {
      param[i] -= lr * d / avg;
    }
  }
}

export type AdamHyper = { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; amsgrad: boolean };

/**
 * Adam (decoupled = false: d = g + wd·p) or AdamW (decoupled = true: p *= 1 - lr·wd, d = g) at
 * step t (1-based): m = β1·m + (1 - β1)·d; v = β2·v + (1 - β2)·d²; amsgrad: vMax = max(vMax, v),
 * v̂ = vMax, else v̂ = v; p -= lr / (1 - β1^t) · m / (√v̂ / √(1 - β2^t) + eps).
 * maxExpAvgSq is used only with amsgrad.
 */
export function adamUpdate(param: Buf, grad: Buf, expAvg: Buf, expAvgSq: Buf, maxExpAvgSq: Buf | null, step: number,
  h: AdamHyper, decoupled: boolean): void {
  const { lr, beta1, beta2, eps, weightDecay, amsgrad } = h;
  const stepSize = lr / (1 - beta1 ** step);
  const bias2Sqrt = Math.sqrt(1 - beta2 ** step);
  const shrink = decoupled ? 1 - lr * weightDecay : 1;
  const coupledDecay = decoupled ? 0 : weightDecay;
  for (let i = 0; i < param.length; i++) {
    const d = grad[i] + coupledDecay * param[i];
    expAvg[i] = beta1 * expAvg[i] + (1 - beta1) * d;
    expAvgSq[i] = beta2 * expAvgSq[i] + (1 - beta2) * d * d;
    let v = expAvgSq[i];
    if (amsgrad && maxExpAvgSq) {
      maxExpAvgSq[i] = Math.max(maxExpAvgSq[i], v);
      v = maxExpAvgSq[i];
    }
    param[i] = param[i] * shrink - stepSize * expAvg[i] / (Math.sqrt(v) / bias2Sqrt + eps);
  }
}
