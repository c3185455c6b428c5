import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Runs the compiled `rnnkit` command (dist/src/cli/main.js) as a child process, as a user would.

/** This file compiles to dist/test/cli/, the command to dist/src/cli/main.js. */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the command without waiting; stdout and stderr are piped (not a TTY). */
export function startCli(args: readonly string[], cwd?: string): ChildProcess {
  const env = { ...process.env };
  delete env.RNNKIT_DEBUG;
  delete env.RNNKIT_BACKEND;
  return spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Collects a started command's output until it exits. */
export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '', stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: readonly string[], cwd?: string): Promise<CliResult> {
  return finished(startCli(args, cwd));
}

/** Resolves when the child's stderr has shown a line matching `pattern` (rejects if it exits first). */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 20000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => done(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stderr so far:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer | string) => {
      seen += chunk.toString();
      const line = seen.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) done(null, line);
    };
    const onExit = () => done(new Error(`the command exited before printing a line matching ${pattern}; stderr:\n${seen}`));
    const done = (err: Error | null, line?: string) => {
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err); else resolve(line!);
    };
    child.stderr!.on('data', onData);
    child.on('exit', onExit);
  });
}

/** A fresh folder under the system temp folder; remove it with removeTempDir. */
export function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'rnnkit-cli-'));
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A deterministic English-like text of about `words` words (~5 characters each): sentences of
 * words drawn by a fixed linear congruential generator (high bits), capitalised, with
 * punctuation and line breaks, so that the vocabulary has letters, capitals, '.', ',' and '\n'.
 */
export function tinyCorpus(words = 600): string {
  const vocab = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'dog', 'ran', 'far', 'away', 'from', 'home',
    'while', 'birds', 'sang', 'in', 'green', 'trees', 'by', 'river', 'quick', 'lazy', 'fox', 'jumps', 'over'];
  let x = 12345;
  const next = () => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return x >>> 16; };
  let out = '', sentence: string[] = [];
  for (let i = 0; i < words; i++) {
    sentence.push(vocab[next() % vocab.length]);
    if (sentence.length >= 4 + (next() % 6)) {
      const s = sentence.join(' ');
      out += s[0].toUpperCase() + s.slice(1) + (next() % 3 === 0 ? ',\n' : '.\n');
      sentence = [];
    }
  }
  return out;
}

/** Tiny model flags: each run takes well under a second. */
export const TINY = ['--hidden', '16', '--embedding', '8', '--batch-size', '4', '--seq-len', '8'];

/** Trains a tiny model on `textFile` into `out` (20 steps at lr 0.01); fails the test if the command fails. */
export async function trainTiny(textFile: string, out: string, extra: readonly string[] = []): Promise<CliResult> {
  const r = await runCli(['train', '--data', textFile, '--out', out, ...TINY, '--lr', '0.01', '--steps', '20', '--eval-every', '10',
    '--sample-every', '10', '--checkpoint-every', '5', ...extra]);
  assert.equal(r.code, 0, `train failed:\n${r.stderr}`);
  return r;
}

/**
 * A failed command: the given exit code, nothing on stdout, and exactly one error line on
 * stderr ('rnnkit: ...', matching `message`) with no stack trace. Returns that line.
 */
export function assertCleanFailure(r: CliResult, code: number, message: RegExp): string {
  assert.equal(r.code, code, `exit code ${r.code}, expected ${code}; stderr:\n${r.stderr}`);
  assert.equal(r.stdout, '', 'a failed command prints nothing on stdout');
  assert.doesNotMatch(r.stderr, /^\s+at /m, `stack trace on stderr:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /node:internal|\.js:\d+/, `internal location on stderr:\n${r.stderr}`);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('rnnkit:'));
  assert.equal(errors.length, 1, `expected one 'rnnkit:' line, stderr:\n${r.stderr}`);
  assert.match(errors[0], message);
  assert.ok(r.stderr.trimEnd().endsWith(errors[0]), `the error should be the last thing printed; stderr:\n${r.stderr}`);
  return errors[0];
}

/** The JSON metadata a checkpoint carries (safetensors: 8-byte length, JSON header, data). */
export function checkpointMeta(path: string): { step: number; [key: string]: unknown } {
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  return JSON.parse(header.__metadata__['rnnkit.checkpoint']).meta;
}

export function writeText(path: string, text: string | Uint8Array): string {
  writeFileSync(path, text);
  return path;
}
