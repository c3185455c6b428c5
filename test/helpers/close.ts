import assert from 'node:assert/strict';

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| elementwise, and reports the worst
 * element with its index when it fails.
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>,
  tol: { atol: number; rtol: number }, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length ${actual.length} vs expected ${expected.length}`);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (!Number.isFinite(a) && a !== e) { worst = i; worstExcess = Infinity; break; }
    const excess = Math.abs(a - e) - (tol.atol + tol.rtol * Math.abs(e));
    if (excess > worstExcess) { worstExcess = excess; worst = i; }
  }
  if (worst >= 0) {
    assert.fail(`${label}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${tol.atol}, rtol ${tol.rtol})`);
  }
}
