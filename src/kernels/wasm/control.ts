// The words the host thread and the pool's workers share to hand out kernel calls (a
// SharedArrayBuffer of its own, apart from the kernels' memory). One call at a time: the host
// writes the function and its arguments, bumps GEN and wakes the workers; each runs its part
// (tid 1..nt-1) and counts itself into DONE; the host runs part 0, then waits for DONE = nt - 1.

/** Kernels that run as a team (their last two parameters are tid, nt). */
export const TEAM_KERNELS = ['gemm', 'sequenceForward', 'sequenceBackward'] as const;
export type TeamKernel = typeof TEAM_KERNELS[number];

export const GEN = 0, DONE = 1, READY = 2, FN = 3, ARGC = 4, NT = 5, FAILED = 6, STOP = 7;
/** Arguments are float64 from byte ARGS_BYTE on (pointers and sizes are exact in a double). */
export const ARGS_BYTE = 64, MAX_ARGS = 40;
export const CONTROL_BYTES = ARGS_BYTE + 8 * MAX_ARGS;

/** Polls of a shared word before sleeping on it: long enough to bridge back-to-back calls. */
export const SPINS = 20000;

/** Waits until ctl[i] differs from `value` (polling SPINS times first); returns the new value. */
export function waitChange(ctl: Int32Array, i: number, value: number, canBlock: boolean): number {
  for (let spin = 0; ; spin++) {
    const now = Atomics.load(ctl, i);
    if (now !== value) return now;
    if (canBlock && spin >= SPINS) Atomics.wait(ctl, i, value);
  }
}

/** What a worker receives when it starts. */
export interface WorkerInit {
  rnnkitWasmWorker: true;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  tid: number;
}
