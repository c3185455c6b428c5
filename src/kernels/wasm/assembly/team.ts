// The threads of one kernel call, a "team": thread 0 is the host's own call, threads 1..nt-1
// are the pool's workers (../pool.ts), all running the same exported function over one shared
// memory with their own `tid`. They split work with partStart and meet at barrier(); with
// nt = 1 (and in the builds without threads) every barrier is a no-op, so the single-threaded
// path runs exactly the code it always ran.

// [0] threads arrived at the current barrier, [1] barrier generation, [2] the call's work block,
// [3] abort flag. Static data is at the same address in every instance, so all threads see the
// same words.
//
// Why no thread can wait forever at a barrier:
// - A thread reads the generation g before counting itself in. The generation can only move
//   past g once every thread of the call has counted in, this one included, so g is the
//   generation of the barrier it is arriving at.
// - The last to arrive resets the count, then increments the generation, then wakes everyone.
//   The generation only ever increases (by one per completed barrier), so "it differs from g"
//   means "my barrier opened", whenever a waiter looks.
// - A waiter sleeps with wait32(generation, g), which sleeps only while the word still holds g
//   (checked atomically with going to sleep): a notify that comes before the sleep is not lost,
//   because the increment it follows makes the wait return at once.
// - The host resets the count and the abort flag before handing out each call (teamReset),
//   when no thread is inside a kernel; a trapped or aborted call cannot leave a stale count.
// - A thread that traps cannot arrive: whoever catches the trap calls teamAbort(), which sets
//   the abort flag and moves the generation, so every waiter wakes, sees the flag and traps out
//   too, and threads that arrive later trap before waiting. The host then reports the first
//   error (../pool.ts).
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

/** Clears the arrival count and the abort flag; the host calls it before each team call. */
export function teamReset(): void {
  if (!ASC_FEATURE_THREADS) return;
  atomic.store<i32>(sync, 0);
  atomic.store<i32>(sync, 0, 12);
}

/** Releases every thread of the current call from its barriers: they trap out of the kernel. */
export function teamAbort(): void {
  if (!ASC_FEATURE_THREADS) return;
  atomic.store<i32>(sync, 1, 12);
  atomic.add<i32>(sync, 1, 4);
  atomic.notify(sync + 4, -1);
}

// @ts-ignore: decorator
@inline function checkAbort(): void {
  // Another thread of this call trapped: stop here (the caller discards the call's results).
  if (atomic.load<i32>(sync, 12) != 0) unreachable();
}

/** Waits until all nt threads of the call have arrived. */
export function barrier(nt: i32): void {
  if (!ASC_FEATURE_THREADS || nt <= 1) return;
  const gen = atomic.load<i32>(sync, 4);
  checkAbort();
  if (atomic.add<i32>(sync, 1) == nt - 1) {
    // Last to arrive: reset the count before opening, so early leavers count into the next one.
    atomic.store<i32>(sync, 0);
    atomic.add<i32>(sync, 1, 4);
    atomic.notify(sync + 4, -1);
    return;
  }
  for (let i = 0; i < spinLimit; i++) {
    if (atomic.load<i32>(sync, 4) != gen) { checkAbort(); return; }
  }
  while (atomic.load<i32>(sync, 4) == gen) {
    if (mayWait) memory.atomic.wait32(sync + 4, gen, -1);
  }
  checkAbort();
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
