import type { AdagradHyper, AdamHyper, Buf, RmspropHyper, SgdHyper } from '../kernels.js';

// The optimiser updates of the Kernels interface (documented there), the reference every other
// backend is tested against. Values are computed in double and rounded once when stored; buffers
// are read back after storing so a float32 run sees the same rounded state PyTorch's float32
// tensors hold.

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

export function adagradUpdate(param: Buf, grad: Buf, sum: Buf, clr: number, h: AdagradHyper): void {
  for (let i = 0; i < param.length; i++) {
    const d = grad[i] + h.weightDecay * param[i];
    sum[i] += d * d;
    param[i] -= clr * d / (Math.sqrt(sum[i]) + h.eps);
  }
}

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

export function adamUpdate(param: Buf, grad: Buf, expAvg: Buf, expAvgSq: Buf, maxExpAvgSq: Buf | null, h: AdamHyper,
  decoupled: boolean, stepSize: number, bias2Sqrt: number): void {
  const { lr, beta1, beta2, eps, weightDecay, amsgrad } = h;
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
