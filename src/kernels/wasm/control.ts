// The words the host thread and the pool's workers share to hand out kernel calls (a
// SharedArrayBuffer of its own, apart from the kernels' memory). One call at a time: the host
// writes the function and its arguments, bumps GEN and wakes the workers; each runs its part
// (tid 1..nt-1) and counts itself into DONE, also when its part failed; the host runs part 0,
// then waits for DONE = nt - 1. A thread that fails releases the others from the kernels'
// barriers (teamAbort in ./assembly/team.ts); the first to fail also stores its tid + 1 in
// FAILED and its error text at MSG_BYTE (MSG_LEN bytes). So a trap on any thread ends the call
// on every thread, the host throws it, and the pool stays usable.

/** Kernels that run as a team (their last two parameters are tid, nt). */
export const TEAM_KERNELS = [
  'gemm', 'sequenceForward', 'sequenceBackward', 'sgdUpdate', 'adagradUpdate', 'rmspropUpdate', 'adamUpdate',
] as const;
export type TeamKernel = typeof TEAM_KERNELS[number];

export const GEN = 0, DONE = 1, READY = 2, FN = 3, ARGC = 4, NT = 5, FAILED = 6, STOP = 7, MSG_LEN = 8;
/** Arguments are float64 from byte ARGS_BYTE on (pointers and sizes are exact in a double). */
export const ARGS_BYTE = 64, MAX_ARGS = 40;
/** The first failure's message, UTF-8. */
export const MSG_BYTE = ARGS_BYTE + 8 * MAX_ARGS, MSG_BYTES = 512;
export const CONTROL_BYTES = MSG_BYTE + MSG_BYTES;

/** Polls of a shared word before sleeping on it: long enough to bridge back-to-back calls. */
export const SPINS = 20000;

/**
 * Waits until ctl[i] differs from `value` (polling SPINS times first); returns the new value,
 * or `value` itself once `timeoutMs` has passed without a change.
 */
export function waitChange(ctl: Int32Array, i: number, value: number, canBlock: boolean, timeoutMs = Infinity): number {
  const deadline = timeoutMs === Infinity ? Infinity : Date.now() + timeoutMs;
  for (let spin = 0; ; spin++) {
    const now = Atomics.load(ctl, i);
    if (now !== value) return now;
    if (spin >= SPINS) {
      const left = deadline - Date.now();
      if (left <= 0) return value;
      // Atomics.wait sleeps only while ctl[i] still holds `value`, so a change cannot be missed.
      if (canBlock) Atomics.wait(ctl, i, value, left);
    }
  }
}

/**
 * Records a thread's failure if it is the call's first (FAILED = tid + 1, its message at
 * MSG_BYTE); returns whether it was.
 */
export function recordFailure(ctl: Int32Array, tid: number, error: unknown): boolean {
  if (Atomics.compareExchange(ctl, FAILED, 0, tid + 1) !== 0) return false;
  const text = new TextEncoder().encode(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  const bytes = new Uint8Array(ctl.buffer, MSG_BYTE, MSG_BYTES);
  // Encoded, then copied: not every engine's encodeInto writes into shared memory.
  const n = Math.min(text.length, MSG_BYTES);
  bytes.set(text.subarray(0, n));
  Atomics.store(ctl, MSG_LEN, n);
  return true;
}

/** The message recordFailure stored. */
export function failureMessage(ctl: Int32Array): string {
  const n = Atomics.load(ctl, MSG_LEN);
  return new TextDecoder().decode(new Uint8Array(ctl.buffer, MSG_BYTE, n).slice());
}

/** What a worker receives when it starts. */
export interface WorkerInit {
  rnnkitWasmWorker: true;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  tid: number;
}
