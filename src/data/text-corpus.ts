// Reads a text corpus: one UTF-8 file, or every .txt file of a folder (sorted by name, not
// recursive). Line endings become LF so that Windows files give the same tokens.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { firstInvalidUtf8 } from './utf8.js';

/**
 * The text of `pathOrFolder`. Files of a folder are concatenated in name order, each followed
 * by a newline when it does not already end with one, so no line runs across two files.
 */
export function readTextCorpus(pathOrFolder: string): string {
  if (!existsSync(pathOrFolder)) {
    throw new Error(`readTextCorpus: no such file or folder: ${pathOrFolder} (resolved to ${resolve(pathOrFolder)})`);
  }
  if (!statSync(pathOrFolder).isDirectory()) return readTextFile(pathOrFolder);
  const names = listTextFiles(pathOrFolder);
  if (names.length === 0) throw new Error(`readTextCorpus: the folder ${pathOrFolder} has no .txt files`);
  let text = '';
  for (const name of names) {
    if (text.length > 0 && !text.endsWith('\n')) text += '\n';
    text += readTextFile(join(pathOrFolder, name));
  }
  return text;
}

/** Names of the .txt files directly in `folder`, sorted by code unit order (locale-independent). */
export function listTextFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith('.txt'))
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** One UTF-8 file as a string with LF line endings and no byte order mark. */
export function readTextFile(path: string): string {
  const bytes = readFileSync(path);
  if (bytes.length === 0) throw new Error(`readTextCorpus: ${path} is empty`);
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new Error(`readTextCorpus: ${path} looks binary: NUL byte at offset ${nul}`);
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const hex = bytes[bad].toString(16).toUpperCase().padStart(2, '0');
    throw new Error(`readTextCorpus: ${path} looks binary or is not UTF-8: invalid UTF-8 byte 0x${hex} at offset ${bad}`
      + ' (convert a Latin-1 file with: iconv -f latin1 -t utf-8)');
  }
  const text = new TextDecoder('utf-8').decode(bytes).replace(/\r\n/g, '\n');
  if (text.length === 0) throw new Error(`readTextCorpus: ${path} is empty (only a byte order mark)`);
  return text;
}
