import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, from the compiled bench/ files (dist/bench/ -> ../..). */
export function repoRootFromBench(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
}
