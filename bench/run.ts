// npm run bench -- [--workloads W1,W2] [--backends js,wasm,native] [--threads 1,2] [--quick]
//                   [--min-seconds 8] [--max-steps 10000]   (--help: what each does)
// Runs the BENCHMARKS.md workloads on rnnkit's backends; prints one JSON line per workload,
// backend and thread count, then a table beside the PyTorch / TensorFlow.js anchors found in
// ../shared/anchors (if present).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { kernels, setBackend } from '../src/kernels/backend.js';
import { parseBenchOptions } from './options.js';
import { repoRootFromBench } from './paths.js';
import { WORKLOADS, type Workload } from './workloads.js';

interface Result { impl: string; workload: string; threads: number; value: number; unit: string; peak_rss_mb?: number }

const { workloads, backends, threads: threadCounts, quick, minSeconds, maxSteps } = parseBenchOptions(process.argv.slice(2), Object.keys(WORKLOADS));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// BENCHMARKS.md: 3 warm-up steps, then the median of at least 10 timed steps, more while
// --min-seconds (default 8) have not passed, up to --max-steps: the rule of
// ../shared/anchors/torch_bench.py, so that short steps (W3) are timed as long as PyTorch's.
// W4: median of 3 whole generations. --quick: 1 warm-up, 3 timed, for smoke runs only.

function measure(w: Workload): number {
  const warmup = quick ? 1 : 3;
  const minSteps = w.wholeRuns || quick ? 3 : 10;
  const seconds = w.wholeRuns || quick ? 0 : minSeconds;
  const steps = w.wholeRuns || quick ? 3 : maxSteps;
  for (let i = 0; i < warmup; i++) w.step();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minSteps || (times.length < steps && performance.now() - start < seconds * 1000)) {
    const t0 = performance.now();
    w.step();
    times.push((performance.now() - t0) / 1000);
  }
  return w.items / median(times);
}

const results: Result[] = [];
for (const backend of backends) {
  setBackend(backend);
  const k = kernels();
  for (const threads of threadCounts) {
    if (threads > 1 && !k.setThreads) continue; // a single-threaded backend: one row is enough
    k.setThreads?.(threads);
    for (const id of workloads) {
      const w = WORKLOADS[id](quick);
      const value = Math.round(measure(w) * 10) / 10;
      // The process's peak resident memory so far: exact for a workload run on its own.
      const peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
      const r: Result = { impl: `rnnkit-${backend}`, workload: id, threads, value, unit: w.unit, peak_rss_mb };
      results.push(r);
      process.stdout.write(JSON.stringify(r) + '\n');
    }
  }
}

// ---- table beside the anchors ------------------------------------------------------------
const anchorsDir = join(repoRootFromBench(), '..', 'shared', 'anchors');
const anchors: Result[] = [];
if (existsSync(anchorsDir)) {
  for (const f of readdirSync(anchorsDir).filter((n) => n.endsWith('.jsonl'))) {
    for (const line of readFileSync(join(anchorsDir, f), 'utf8').split('\n')) {
      try {
        const o = JSON.parse(line);
        if (typeof o.value === 'number' && typeof o.workload === 'string' && typeof o.impl === 'string') anchors.push({ ...o, threads: o.threads ?? 1 });
      } catch { /* not a result line */ }
    }
  }
}
const peerValue = (impl: string, w: string, t: number) => {
  const vs = anchors.filter((a) => a.impl === impl && a.workload === w && a.threads === t).map((a) => a.value);
  return vs.length ? Math.max(...vs) : undefined;
};
const rows = results.map((r) => {
  const torch = peerValue('torch-1.13-cpu', r.workload, r.threads);
  const tfjs = peerValue('tfjs-4.22.0-wasm', r.workload, 1);
  const ratio = (p?: number) => (p ? `${(r.value / p).toFixed(2)}x` : '-');
  return [r.workload, r.impl, String(r.threads), `${r.value} ${r.unit}`, torch ? String(torch) : '-', ratio(torch), tfjs ? String(tfjs) : '-', ratio(tfjs)];
});
const header = ['workload', 'impl', 'threads', 'value', 'PyTorch (anchor)', 'vs PyTorch', 'TF.js wasm (anchor)', 'vs TF.js wasm'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
process.stdout.write(`\n${fmt(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(fmt).join('\n')}\n`);
if (!anchors.length) process.stdout.write('(no anchors found beside the repository in ../shared/anchors)\n');
