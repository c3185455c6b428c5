// A counter that moves whenever parameter values may have changed outside the kernels, so that
// a backend may keep copies of weights between calls (the wasm backend keeps recurrent layers'
// weights resident in its memory: ./wasm/resident.ts) and know when they are stale.
// Optimizer.step(), Module.loadStateDict() and entering noGrad() call parametersChanged(); code
// that writes into a parameter's .data itself between two inference calls inside one noGrad()
// block must call it too (training passes always re-read the weights).

let epoch = 0;

/** Declares that parameter values may have changed: backends re-read them on their next use. */
export function parametersChanged(): void {
  epoch++;
}

/** The current epoch; a copy made in an epoch is current until the epoch moves. */
export function parametersEpoch(): number {
  return epoch;
}
