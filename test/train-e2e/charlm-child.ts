// A child process for the kill-and-resume tests (kill-resume.test.ts), run as
//   node dist/test/train-e2e/charlm-child.js '<ChildJob JSON>'
// It trains a character model with trainCharLM and prints one line per checkpoint
// ("checkpoint <step>") and at the end ("done <steps>"). A fault, if given, kills this process
// with SIGKILL at a chosen point: SIGKILL cannot be caught, so nothing gets to clean up, exactly as
// when the machine loses power or the OOM killer strikes.
//
// The file-system faults patch node:fs before rnnkit is loaded; syncBuiltinESMExports() makes the
// named ESM imports in src/io/atomic-write.ts see the patched functions.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { basename } from 'node:path';

export type ChildFault =
  /** Dies inside onStep of this step: after the optimiser update, before any checkpoint of it. */
  | { kind: 'kill-after-update'; step: number }
  /** Dies in renameSync of the n-th checkpoint (its temp file complete, not yet in place). */
  | { kind: 'kill-at-rename'; n: number }
  /** Dies after writing half the bytes of the n-th checkpoint's temp file. */
  | { kind: 'kill-mid-write'; n: number }
  /** No fault of its own: busy-waits `ms` in every step so that the parent's kill lands mid-run. */
  | { kind: 'slow'; ms: number };

export interface ChildJob {
  outDir: string;
  textPath: string;
  resume: boolean;
  /** trainCharLM options besides text, outDir and resume. */
  options: Record<string, number | string>;
  fault?: ChildFault;
}

const job = JSON.parse(process.argv[2]) as ChildJob;
const fault = job.fault;
const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL did not end the process');
};
const isCheckpointTemp = (p: unknown) => /^\.checkpoint\.safetensors\..*\.tmp$/.test(basename(String(p)));

if (fault?.kind === 'kill-at-rename') {
  const rename = fs.renameSync;
  let renames = 0;
  fs.renameSync = (from, to) => {
    if (basename(String(to)) === 'checkpoint.safetensors' && ++renames === fault.n) die();
    rename(from, to);
  };
} else if (fault?.kind === 'kill-mid-write') {
  const open = fs.openSync, write = fs.writeSync;
  let opens = 0, victim = -1;
  fs.openSync = ((path: fs.PathLike, ...rest: unknown[]) => {
    const fd = (open as (...a: unknown[]) => number)(path, ...rest);
    if (isCheckpointTemp(path) && ++opens === fault.n) victim = fd;
    return fd;
  }) as typeof fs.openSync;
  fs.writeSync = ((fd: number, buffer: Uint8Array, offset: number, length: number) => {
    if (fd === victim) {
      write(fd, buffer, offset, Math.floor(length / 2));
      die();
    }
    return write(fd, buffer, offset, length);
  }) as typeof fs.writeSync;
}
syncBuiltinESMExports();

const { trainCharLM } = await import('../../src/apps/charlm/train.js');
const spin = (ms: number) => { const end = performance.now() + ms; while (performance.now() < end); };

const result = trainCharLM({
  ...job.options,
  text: fs.readFileSync(job.textPath, 'utf8'),
  outDir: job.outDir,
  resume: job.resume,
  onStep: (info) => {
    if (fault?.kind === 'kill-after-update' && info.step === fault.step) die();
    if (fault?.kind === 'slow') spin(fault.ms);
  },
  onCheckpoint: (step) => process.stdout.write(`checkpoint ${step}\n`),
});
process.stdout.write(`done ${result.steps}\n`);
