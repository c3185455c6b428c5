// The threads of one kernel call, a "team": thread 0 is the host's own call, threads 1..nt-1
// are the pool's workers (../pool.ts), all running the same exported function over one shared
// memory with their own `tid`. They split work with partStart and meet at barrier(); with
// nt = 1 (and in the builds without threads) every barrier is a no-op, so the single-threaded
// path runs exactly the code it always ran.

// [0] threads arrived at the current barrier, [1] barrier generation, [2] the call's work block.
// Static data is at the same address in every instance, so all threads see the same words.
const sync: usize = memory.data(64, 64);

// Per instance (wasm globals are not shared): how long to poll before sleeping, and whether
// this thread may sleep at all (a browser's main thread may not block; it polls instead).
let spinLimit: i32 = 2000;
let mayWait: bool = true;

/** Sets this thread's barrier policy: polls before sleeping, and whether it may sleep. */
export function setWaitPolicy(spins: i32, canWait: bool): void {
  spinLimit = spins;
  mayWait = canWait;
}

/** Waits until all nt threads of the call have arrived. */
export function barrier(nt: i32): void {
  if (!ASC_FEATURE_THREADS || nt <= 1) return;
  const gen = atomic.load<i32>(sync, 4);
  if (atomic.add<i32>(sync, 1) == nt - 1) {
    // Last to arrive: reset the count before opening, so early leavers count into the next one.
    atomic.store<i32>(sync, 0);
    atomic.add<i32>(sync, 1, 4);
    atomic.notify(sync + 4, nt - 1);
    return;
  }
  for (let i = 0; i < spinLimit; i++) if (atomic.load<i32>(sync, 4) != gen) return;
  while (atomic.load<i32>(sync, 4) == gen) {
    if (mayWait) memory.atomic.wait32(sync + 4, gen, -1);
  }
}

/** Thread 0 publishes a pointer for the others (then a barrier); they read it after. */
export function publish(p: usize, tid: i32, nt: i32): usize {
  if (nt <= 1) return p;
  if (ASC_FEATURE_THREADS) {
    if (tid == 0) atomic.store<u32>(sync, <u32>p, 8);
    barrier(nt);
    return <usize>atomic.load<u32>(sync, 8);
  }
  return p;
}

/**
 * First index of thread tid's share of [0, n) cut into whole units (the last unit may be
 * short); thread tid works on [partStart(tid), partStart(tid + 1)).
 */
// @ts-ignore: decorator
@inline export function partStart(n: i32, unit: i32, tid: i32, nt: i32): i32 {
  const units = (n + unit - 1) / unit;
  return min(n, <i32>((<i64>units * tid) / nt) * unit);
}
