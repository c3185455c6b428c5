import type { TrainingKernels } from '../kernels.js';
import { jsKernels as js } from '../js/index.js';
import { allF32 } from '../codes.js';
import type { NativeAddon } from './addon.js';

// The optimiser updates and the cross-entropy of the native backend (native/src/optim.h, loss.h);
// float64 buffers (gradient checks) run on the js reference.

type F32 = Float32Array;

export function createNativeTrainingKernels(addon: NativeAddon): TrainingKernels {
  return {
    sgdUpdate(param, grad, momentumBuf, initBuffer, h) {
      if (!allF32(param, grad, momentumBuf)) return js.sgdUpdate(param, grad, momentumBuf, initBuffer, h);
      addon.sgdUpdate(param.length, param as F32, grad as F32, momentumBuf as F32 | null, initBuffer, h.lr, h.momentum,
        h.dampening, h.weightDecay, h.nesterov);
    },
    adagradUpdate(param, grad, sum, clr, h) {
      if (!allF32(param, grad, sum)) return js.adagradUpdate(param, grad, sum, clr, h);
      addon.adagradUpdate(param.length, param as F32, grad as F32, sum as F32, clr, h.weightDecay, h.eps);
    },
    rmspropUpdate(param, grad, squareAvg, gradAvg, momentumBuf, h) {
      if (!allF32(param, grad, squareAvg, gradAvg, momentumBuf)) {
        return js.rmspropUpdate(param, grad, squareAvg, gradAvg, momentumBuf, h);
      }
      addon.rmspropUpdate(param.length, param as F32, grad as F32, squareAvg as F32, h.centered ? gradAvg as F32 | null : null,
        momentumBuf as F32 | null, h.lr, h.alpha, h.eps, h.weightDecay, h.momentum);
    },
    adamUpdate(param, grad, expAvg, expAvgSq, maxExpAvgSq, h, decoupled, stepSize, bias2Sqrt) {
      if (!allF32(param, grad, expAvg, expAvgSq, maxExpAvgSq)) {
        return js.adamUpdate(param, grad, expAvg, expAvgSq, maxExpAvgSq, h, decoupled, stepSize, bias2Sqrt);
      }
      addon.adamUpdate(param.length, param as F32, grad as F32, expAvg as F32, expAvgSq as F32,
        h.amsgrad ? maxExpAvgSq as F32 | null : null, h.lr, h.beta1, h.beta2, h.eps, h.weightDecay, decoupled,
        stepSize, bias2Sqrt);
    },
    crossEntropyForward(N, C, logits, targets, ignoreIndex, mask, weight, labelSmoothing, loss, grad) {
      if (!allF32(logits, mask, weight, loss, grad)) {
        return js.crossEntropyForward(N, C, logits, targets, ignoreIndex, mask, weight, labelSmoothing, loss, grad);
      }
      addon.crossEntropyForward(N, C, logits as F32, targets, ignoreIndex, mask as F32 | null, weight as F32 | null,
        labelSmoothing, loss as F32, grad as F32 | null);
    },
    crossEntropyBackward(N, C, grad, rowScale, scale, dx) {
      if (!allF32(grad, rowScale, dx)) return js.crossEntropyBackward(N, C, grad, rowScale, scale, dx);
      addon.crossEntropyBackward(N, C, grad as F32, rowScale as F32 | null, scale, dx as F32);
    },
  };
}
