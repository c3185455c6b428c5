// Dense input sweeps and worst-error measures for the fast backends' tanh and sigmoid, against
// float64 (shared by the wasm and native activation accuracy tests).

export type Act = 'tanh' | 'sigmoid';
/** Runs one activation over x into y (a backend's activationForward). */
export type RunActivation = (x: Float32Array, y: Float32Array) => void;

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const exact = (act: Act): ((x: number) => number) => (act === 'tanh' ? Math.tanh : sigmoid);

/** n values evenly from lo to hi. */
export function sweep(lo: number, hi: number, n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = lo + ((hi - lo) * i) / (n - 1);
  return x;
}

/** |x| from `lo` to `hi`, evenly on a log scale, both signs. */
export function logSweep(lo: number, hi: number, n: number): Float32Array {
  const x = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    x[2 * i + 1] = Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (n - 1));
    x[2 * i] = -x[2 * i + 1];
  }
  return x;
}

/** The largest relative error over x (absolute where the exact value is 0), and where. */
export function worstRelative(act: Act, x: Float32Array, run: RunActivation): { rel: number; at: number } {
  const y = new Float32Array(x.length);
  run(x, y);
  const f = exact(act);
  let rel = 0, at = NaN;
  for (let i = 0; i < x.length; i++) {
    const e = f(x[i]);
    const r = e === 0 ? Math.abs(y[i]) : Math.abs(y[i] - e) / Math.abs(e);
    if (r > rel) { rel = r; at = x[i]; }
  }
  return { rel, at };
}

/** The largest error over x in float32 ulps of the exact value (sweeps where it is a normal float). */
export function worstUlps(act: Act, x: Float32Array, run: RunActivation): { ulps: number; at: number } {
  const y = new Float32Array(x.length);
  run(x, y);
  const f = exact(act);
  let ulps = 0, at = NaN;
  for (let i = 0; i < x.length; i++) {
    const e = f(x[i]);
    const u = Math.abs(y[i] - e) / 2 ** (Math.floor(Math.log2(Math.abs(e))) - 23);
    if (!(u <= ulps)) { ulps = u; at = x[i]; }
  }
  return { ulps, at };
}
