import {
  ARGC, ARGS_BYTE, CONTROL_BYTES, DONE, FAILED, FN, GEN, MAX_ARGS, NT, READY, STOP, TEAM_KERNELS,
  type TeamKernel, type WorkerInit, failureMessage, recordFailure, waitChange,
} from './control.js';
import { type WasmExports, type WasmShared, hasSharedMemory, wasmShared } from './loader.js';

// The worker pool that runs team kernels (GEMM, whole-sequence forward and backward) on several
// threads over the kernels' shared memory. runTeam(kernel, args) runs part 0 on the calling
// thread and parts 1..nt-1 on the workers (protocol in ./control.ts; how work is split in
// ./assembly/team.ts). Workers are unref'd: they never keep a process alive. In Node the pool
// starts synchronously on the first call that needs it; in browsers (no blocking on the main
// thread) startThreads() starts it, and until it is ready calls run on one thread, which gives
// the same numbers.

const env = typeof process !== 'undefined' ? process.env : undefined;
const nodeWorkers = typeof process !== 'undefined' ? process.getBuiltinModule?.('node:worker_threads') : undefined;
const nodeOs = typeof process !== 'undefined' ? process.getBuiltinModule?.('node:os') : undefined;
// Only Node lets the main thread block; a browser page's main thread must poll.
const canBlock = nodeWorkers !== undefined
  || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'function';
const START_TIMEOUT_MS = 15_000;
// Workers still busy this long after the calling thread finished its own (equal) share get a
// diagnostic on stderr; the wait goes on, since a heavily loaded machine can stall a thread.
const STALL_REPORT_MS = 60_000;

type AnyWorker = { terminate(): unknown };

interface Pool {
  workers: AnyWorker[];
  ctl: Int32Array;
  args: Float64Array;
  ready: boolean;
}

/** Threads the machine offers: RNNKIT_THREADS, else the available cores. */
export function defaultThreads(): number {
  const fromEnv = Number(env?.RNNKIT_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  const cores = nodeOs?.availableParallelism?.() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Math.max(1, cores ?? 1);
}

let wanted: number | null = null;
let pool: Pool | null = null;

/** Threads team kernels use from now on (>= 1); the pool is (re)made on the next call. */
export function setTeamThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`wasm backend: setThreads takes a whole number >= 1, got ${n}`);
  wanted = n;
  // Going down to 1 keeps the (sleeping) workers for when the count goes back up.
  if (pool && n > 1 && pool.workers.length !== n - 1) stopPool();
}

/** Threads team kernels use: setThreads' value, else defaultThreads(); 1 without shared memory. */
export function teamThreads(): number {
  const n = wanted ?? defaultThreads();
  return n > 1 && !threadsPossible() ? 1 : n;
}

// Before the module is loaded, whether it will be a -threads build; after, whether it is one.
function threadsPossible(): boolean {
  const s = wasmShared();
  const sharedBuild = s ? s.memory !== null : hasSharedMemory();
  return sharedBuild && (nodeWorkers !== undefined || typeof Worker === 'function');
}

function workerUrl(): URL {
  return new URL('./worker.js', import.meta.url);
}

type NodeWorkerClass = NonNullable<typeof nodeWorkers>['Worker'];

// Workers inherit the process's flags, but --input-type (node -e) stops them loading a file, and
// V8's flags (node --experimental-wasm-relaxed-simd ...) are refused in a worker's execArgv: they
// are process-wide, so the worker has them anyway. Node names no such list, hence the retry.
function startNodeWorker(NodeWorker: NodeWorkerClass, init: WorkerInit): InstanceType<NodeWorkerClass> {
  const inherited = process.execArgv.filter((a) => !a.startsWith('--input-type'));
  const nodeOnly = inherited.filter((a) => process.allowedNodeEnvironmentFlags.has(a.split('=')[0]));
  for (const execArgv of [inherited, nodeOnly]) {
    try {
      return new NodeWorker(workerUrl(), { workerData: init, execArgv });
    } catch (e) {
      if ((e as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    }
  }
  return new NodeWorker(workerUrl(), { workerData: init, execArgv: [] });
}

function newPool(shared: WasmShared, n: number): Pool {
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const ctl = new Int32Array(control);
  const workers: AnyWorker[] = [];
  for (let tid = 1; tid < n; tid++) {
    const init: WorkerInit = { rnnkitWasmWorker: true, module: shared.module, memory: shared.memory!, control, tid };
    if (nodeWorkers) {
      const w = startNodeWorker(nodeWorkers.Worker, init);
      w.unref();
      workers.push(w);
    } else {
      const w = new Worker(workerUrl(), { type: 'module' });
      w.postMessage(init);
      workers.push(w);
    }
  }
  return { workers, ctl, args: new Float64Array(control, ARGS_BYTE, MAX_ARGS), ready: false };
}

// Node: blocks until every worker has its instance (a worker instantiating rewrites the static
// data of the shared memory, so no call may run before they all have).
function startPoolSync(n: number): Pool | null {
  const p = newPool(wasmShared()!, n);
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (let ready = Atomics.load(p.ctl, READY); ready < n - 1; ready = Atomics.load(p.ctl, READY)) {
    if (Date.now() > deadline || Atomics.wait(p.ctl, READY, ready, deadline - Date.now()) === 'timed-out') {
      // The results do not depend on the thread count, so carry on with one, and say so.
      for (const w of p.workers) void w.terminate();
      process.stderr?.write(`rnnkit: wasm kernel worker threads did not start within ${START_TIMEOUT_MS / 1000} s `
        + `(${workerUrl().href}); running on 1 thread\n`);
      wanted = 1;
      return null;
    }
  }
  p.ready = true;
  return p;
}

/** Starts the pool without blocking (browsers); resolves when all workers are ready. */
export async function startThreads(n = teamThreads()): Promise<number> {
  setTeamThreads(n);
  if (n <= 1 || !threadsPossible()) return 1;
  if (nodeWorkers) { pool ??= startPoolSync(n); return teamThreads(); }
  pool ??= newPool(wasmShared()!, n);
  const p = pool;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Atomics.load(p.ctl, READY) < n - 1) {
    if (Date.now() > deadline) throw new Error(`wasm backend: ${n - 1} kernel workers did not start (${workerUrl().href})`);
    await new Promise((r) => setTimeout(r, 5));
  }
  p.ready = true;
  return n;
}

function stopPool(): void {
  const p = pool;
  pool = null;
  if (!p) return;
  Atomics.store(p.ctl, STOP, 1);
  Atomics.add(p.ctl, GEN, 1);
  Atomics.notify(p.ctl, GEN);
  for (const w of p.workers) void w.terminate();
}

/**
 * Runs a team kernel on teamThreads() threads (this one included; at most maxThreads);
 * `args` without (tid, nt).
 * A trap on any thread (this one or a worker) ends the call on all of them and is thrown here.
 */
export function runTeam(ex: WasmExports, kernel: TeamKernel, args: number[], maxThreads = Infinity): void {
  const fn = ex[kernel] as (...a: number[]) => void;
  let n = Math.min(teamThreads(), maxThreads);
  if (n > 1 && !pool && nodeWorkers) pool = startPoolSync(n);
  if (n > 1 && !pool?.ready) n = 1;
  if (n === 1) { fn(...args, 0, 1); return; }
  const p = pool!;
  p.args.set(args);
  p.ctl[FN] = TEAM_KERNELS.indexOf(kernel);
  p.ctl[ARGC] = args.length;
  p.ctl[NT] = n;
  Atomics.store(p.ctl, DONE, 0);
  Atomics.store(p.ctl, FAILED, 0);
  // No thread is inside a kernel now (the last call's all counted into DONE).
  ex.teamReset();
  Atomics.add(p.ctl, GEN, 1);
  Atomics.notify(p.ctl, GEN);
  try {
    fn(...args, 0, n);
  } catch (e) {
    // Workers may be parked at a barrier this thread will never reach: release them.
    recordFailure(p.ctl, 0, e);
    ex.teamAbort();
  }
  waitForWorkers(p, kernel, n);
  const failed = Atomics.load(p.ctl, FAILED);
  if (failed) {
    throw new Error(`wasm backend: ${kernel} failed on thread ${failed - 1} of ${n}: ${failureMessage(p.ctl)}`);
  }
}

function waitForWorkers(p: Pool, kernel: TeamKernel, n: number): void {
  let reported = false;
  for (let done = Atomics.load(p.ctl, DONE); done < n - 1;) {
    const now = waitChange(p.ctl, DONE, done, canBlock, reported ? Infinity : STALL_REPORT_MS);
    if (now === done && !reported) {
      reported = true;
      warn(`rnnkit: wasm ${kernel} has waited ${STALL_REPORT_MS / 1000} s for ${n - 1 - done} of `
        + `${n - 1} kernel worker thread(s) (FAILED=${Atomics.load(p.ctl, FAILED)}); still waiting`);
    }
    done = now;
  }
}

function warn(message: string): void {
  if (typeof process !== 'undefined' && process.stderr) process.stderr.write(`${message}\n`);
  else console.warn(message);
}

/** Sets how this (the calling) thread waits at the kernels' barriers. */
export function initTeamThread(ex: WasmExports): void {
  ex.setWaitPolicy(2000, canBlock ? 1 : 0);
}
