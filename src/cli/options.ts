import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from 'commander';
import { kernels, setBackend } from '../kernels/backend.js';

// Option parsers and shared helpers for the subcommands.

/** A mistake in how the command was called: exit code 2, like other Unix tools. */
export class UsageError extends Error {}

export function positiveInt(name: string, min = 1): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`--${name} takes a whole number >= ${min}, got '${v}'`);
    return n;
  };
}

export function float(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`--${name} takes a number from ${min} to ${max}, got '${v}'`);
    return n;
  };
}

export function choice(name: string, allowed: readonly string[]): (v: string) => string {
  return (v) => {
    if (!allowed.includes(v)) throw new InvalidArgumentError(`--${name} must be one of ${allowed.join(', ')}, got '${v}'`);
    return v;
  };
}

export function selectBackend(name: string | undefined, threads: number | undefined): void {
  if (name) {
    try {
      setBackend(name);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const k = kernels();
  if (threads !== undefined && threads > 1 && !k.setThreads) {
    throw new UsageError(`--threads ${threads}: the ${k.name} backend runs on one thread`);
  }
  if (threads !== undefined) k.setThreads?.(threads);
}

/** The package's root folder (dist/src/cli/ -> ../../..). */
export function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

/** The built-in training text shipped in the repository. */
export function builtInTextPath(): string {
  return join(packageRoot(), 'data', 'tinyshakespeare', 'input.txt');
}
