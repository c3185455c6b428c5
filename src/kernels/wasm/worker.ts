import {
  ARGC, ARGS_BYTE, DONE, FN, GEN, NT, READY, STOP, TEAM_KERNELS, type WorkerInit, recordFailure, waitChange,
} from './control.js';
import { type WasmExports, wasmImports } from './loader.js';

// A thread of the kernel pool (./pool.ts): its own instance of the kernels over the shared
// memory, waiting for calls on the control words and running its part of each. A Node
// worker_thread gets WorkerInit as workerData; a browser Web Worker as its first message.

function serve(init: WorkerInit): void {
  const ex = new WebAssembly.Instance(init.module, wasmImports(init.memory)).exports as unknown as WasmExports;
  const ctl = new Int32Array(init.control), args = new Float64Array(init.control, ARGS_BYTE);
  ex.setWaitPolicy(2000, 1);
  // Read before reporting ready: the first call may be handed out right after.
  let seen = Atomics.load(ctl, GEN);
  Atomics.add(ctl, READY, 1);
  Atomics.notify(ctl, READY);
  for (;;) {
    seen = waitChange(ctl, GEN, seen, true);
    if (Atomics.load(ctl, STOP)) return;
    const nt = ctl[NT];
    if (init.tid < nt) {
      try {
        const kernel = ex[TEAM_KERNELS[ctl[FN]]] as (...a: number[]) => void;
        kernel(...args.subarray(0, ctl[ARGC]), init.tid, nt);
      } catch (e) {
        // The others may be waiting at a barrier this thread will never reach: release them.
        recordFailure(ctl, init.tid, e);
        ex.teamAbort();
      } finally {
        // Counted whatever happened, so the host never waits for a thread that gave up.
        if (Atomics.add(ctl, DONE, 1) === nt - 2) Atomics.notify(ctl, DONE);
      }
    }
  }
}

const nodeWorker = typeof process !== 'undefined' ? process.getBuiltinModule?.('node:worker_threads') : undefined;
if (nodeWorker) {
  const data = nodeWorker.workerData as WorkerInit | undefined;
  if (!nodeWorker.isMainThread && data?.rnnkitWasmWorker) serve(data);
} else if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope === 'function') {
  self.addEventListener('message', (e: MessageEvent<WorkerInit>) => {
    if (e.data?.rnnkitWasmWorker) serve(e.data);
  }, { once: true });
}
