// safetensors files on disk (Node): atomic save, validated load, and state dicts for Module.
import { readFileSync } from 'node:fs';
import type { Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from './atomic-write.js';
import {
  type ParsedSafetensors, type SafetensorsInput, parseSafetensors, serializeSafetensors, stateDictFromSafetensors,
} from './safetensors.js';

/** Writes the tensors (see serializeSafetensors) so that a crash never leaves a partial file. */
export function saveSafetensors(path: string, tensors: SafetensorsInput, metadata?: Record<string, string>): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}

export function loadSafetensors(path: string): ParsedSafetensors {
  return parseSafetensors(readFileSync(path), path);
}

/**
 * A file's tensors as float32 Tensors keyed by their names (F64, F16 and BF16 converted), for
 * Module.loadStateDict; a PyTorch state_dict saved with safetensors loads without renaming.
 */
export function loadStateDictFile(path: string): Map<string, Tensor> {
  return stateDictFromSafetensors(loadSafetensors(path), path);
}
