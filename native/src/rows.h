// Row gather and scatter-add of the embedding lookup (contracts in src/kernels/kernels.ts).
// Both move whole rows and are bound by memory, not arithmetic, so one portable build serves
// every CPU. The ids are checked by the caller (addon.cc).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace rk {

/** The position of the first of n ids outside 0..V-1, or -1 when all are rows of the table. */
inline long firstBadRowId(int V, int n, const int32_t* ids) {
  for (int i = 0; i < n; i++) {
    if (ids[i] < 0 || ids[i] >= V) return i;
  }
  return -1;
}

/** out[i, :] = table[ids[i], :]. */
inline void gatherRows(int E, const float* table, int n, const int32_t* ids, float* out) {
  const size_t rowBytes = (size_t)E * sizeof(float);
  for (int i = 0; i < n; i++) std::memcpy(out + (size_t)i * E, table + (size_t)ids[i] * E, rowBytes);
}

/** table[ids[i], :] += src[i, :] for i in order, skipping id skipId: each sum as in the js loop. */
inline void scatterAddRows(int E, const float* src, int n, const int32_t* ids, int skipId, float* table) {
  for (int i = 0; i < n; i++) {
    if (ids[i] == skipId) continue;
    float* __restrict to = table + (size_t)ids[i] * E;
    const float* __restrict from = src + (size_t)i * E;
    for (int e = 0; e < E; e++) to[e] += from[e];
  }
}

}  // namespace rk
