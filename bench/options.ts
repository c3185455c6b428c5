import { Command, Option } from 'commander';
import { availableBackends } from '../src/kernels/backend.js';
import { choice, float, positiveInt } from '../src/cli/options.js';

// Command lines of the benchmark scripts (run.ts, quality.ts, gemm.ts). A misspelt option or a value
// outside its list stops the script before it runs for minutes on the wrong settings.

export interface BenchOptions {
  workloads: string[];
  backends: string[];
  threads: number[];
  quick: boolean;
  minSeconds: number;
  maxSteps: number;
}

export interface GemmOptions {
  backends: string[];
  threads: number[];
  only: string;
  time: number;
  isa?: string;
  f64: boolean;
  mixed: boolean;
}

export interface QualityOptions {
  minutes: number;
  threads: number;
  backend: string | undefined;
  torch: boolean;
}

/** A comma-separated list whose items each pass `item`. */
function listOf<T>(item: (v: string) => T): (v: string) => T[] {
  return (v) => v.split(',').map((s) => item(s.trim()));
}

function backendList(): Option {
  const backends = availableBackends();
  return new Option('--backends <list>', 'backends, comma-separated (those this machine has)')
    .argParser(listOf(choice('backends', backends))).default(backends, backends.join(','));
}

function threadList(): Option {
  return new Option('--threads <list>', 'thread counts, comma-separated (backends with threads)')
    .argParser(listOf(positiveInt('threads'))).default([1, 2], '1,2');
}

/** Parses `npm run bench` arguments (without node and the script); workloadIds are the known workloads. */
export function parseBenchOptions(args: readonly string[], workloadIds: readonly string[], program = new Command('bench')): BenchOptions {
  program
    .description("runs ../shared/BENCHMARKS.md's workloads on rnnkit's backends; one JSON line per workload, backend and thread count, then a table beside the anchors")
    .addOption(new Option('--workloads <list>', 'workloads, comma-separated')
      .argParser(listOf(choice('workloads', workloadIds))).default([...workloadIds], workloadIds.join(',')))
    .addOption(backendList())
    .addOption(threadList())
    .option('--quick', '1 warm-up and 3 timed steps: a smoke run, not a measurement', false)
    .option('--min-seconds <s>', 'time each workload at least this long (after 10 steps)', float('min-seconds', 0, 3600), 8)
    .option('--max-steps <n>', 'at most this many timed steps', positiveInt('max-steps', 10), 10000)
    .allowExcessArguments(false)
    .parse([...args], { from: 'user' });
  return program.opts<BenchOptions>();
}

/** Parses `npm run bench:quality` arguments (without node and the script). */
export function parseQualityOptions(args: readonly string[], program = new Command('bench:quality')): QualityOptions {
  program
    .description('quality for time: the W2 model trained on Tiny Shakespeare for a wall-clock budget, then its validation cross-entropy')
    .option('--minutes <m>', 'training budget in minutes', float('minutes', 0.01, 24 * 60), 10)
    .option('--threads <n>', 'threads of the backend', positiveInt('threads'), 2)
    .option('--backend <name>', `backend (here: ${availableBackends().join(', ')}; default: the default backend)`, choice('backend', availableBackends()))
    .option('--torch', "then run ../shared/anchors/torch_charlm_quality.py with the same budget", false)
    .allowExcessArguments(false)
    .parse([...args], { from: 'user' });
  return program.opts<QualityOptions>();
}

/** Parses `npm run bench:gemm` arguments (without node and the script). */
export function parseGemmOptions(args: readonly string[], program = new Command('bench:gemm')): GemmOptions {
  program
    .description("GFLOP/s of the backends' gemm on the workloads' products")
    .addOption(backendList())
    .addOption(threadList())
    .option('--only <text>', 'only the shapes whose label contains this, e.g. W5 or dW', '')
    .option('--time <s>', 'seconds per shape (the best call is reported)', float('time', 0, 600), 0.5)
    .option('--isa <name>', 'native only: run these kernels (avx512, avx2, generic)')
    .option('--f64', 'Float64Array operands (wasm and native pass them to the js reference)', false)
    .option('--mixed', 'first call gemm with the other array type, to expose polymorphic slow-downs', false)
    .allowExcessArguments(false)
    .parse([...args], { from: 'user' });
  return program.opts<GemmOptions>();
}
