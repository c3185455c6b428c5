import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this compiled file (dist/test/helpers/ -> ../../..). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Reads a committed fixture under fixtures/, e.g. loadFixture('rnn/lstm.json'). */
export function loadFixture<T = unknown>(relPath: string): T {
  return JSON.parse(readFileSync(join(repoRoot, 'fixtures', relPath), 'utf8')) as T;
}

export function fixturePath(relPath: string): string {
  return join(repoRoot, 'fixtures', relPath);
}
