import assert from 'node:assert/strict';
import { nativeAddon } from '../../src/kernels/native/index.js';

/** Runs fn once per instruction set the native addon has on this CPU, restoring the best one afterwards. */
export function forEachIsa(fn: (isa: string) => void): void {
  const addon = nativeAddon()!;
  const best = addon.isa();
  try {
    for (const isa of addon.supportedIsas()) {
      assert.ok(addon.setIsa(isa), isa);
      fn(isa);
    }
  } finally {
    addon.setIsa(best);
  }
}
