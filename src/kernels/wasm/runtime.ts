export { activationCode, allF32 } from '../codes.js';
import type { TeamKernel } from './control.js';
import { wasm } from './loader.js';
import { WasmMemory } from './memory.js';
import { initTeamThread, runTeam } from './pool.js';
import { ResidentWeights } from './resident.js';

// The loaded module and its memory, created on first use so that importing the backend costs
// nothing when another backend is selected.

let memory: WasmMemory | null = null;
let weights: ResidentWeights | null = null;

export function runtime(): WasmMemory {
  if (!memory) {
    memory = new WasmMemory(wasm());
    initTeamThread(memory.ex);
  }
  return memory;
}

/** Recurrent layers' weights kept in wasm memory between calls (./resident.ts). */
export function residentWeights(): ResidentWeights {
  weights ??= new ResidentWeights(runtime());
  return weights;
}

// Below this much work per parallel section (multiply-adds: a GEMM's M*N*K, a sequence step's
// B*G*H*P) the barriers cost more than a second thread saves (min-char-rnn's 1x100 steps ran 6x
// slower on 2 threads), so such calls run on this thread alone. Results are the same either way.
let minParallelWork = 1 << 20;

/** Changes the threshold above (tests set 0 to run even tiny calls on every thread). */
export function setMinParallelWork(work: number): void {
  minParallelWork = work;
}

/**
 * Runs gemm / sequenceForward / sequenceBackward on the pool's threads (args without tid, nt);
 * `work` is the multiply-adds in one parallel section.
 */
export function team(kernel: TeamKernel, work: number, ...args: number[]): void {
  runTeam(runtime().ex, kernel, args, work < minParallelWork ? 1 : undefined);
}
