// Small address helpers shared by the whole-layer kernels (./sequence.ts, ./few-rows.ts).

/** Gates per hidden unit: mode 0 RNN 1, 1 LSTM 4, 2 GRU 3. */
// @ts-ignore: decorator
@inline export function gates(mode: i32): i32 {
  return mode == 0 ? 1 : mode == 1 ? 4 : 3;
}

/** The address `floats` float32 slots past p. */
// @ts-ignore: decorator
@inline export function f(p: usize, floats: i32): usize {
  return p + (<usize>floats << 2);
}

/** rows[i] of an i32 buffer. */
// @ts-ignore: decorator
@inline export function rowAt(rows: usize, i: i32): i32 {
  return load<i32>(rows + (<usize>i << 2));
}
