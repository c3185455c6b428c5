// Keeps the memory of freed tensors in the process for the next ones (glibc only).
//
// Why: a training step allocates the same large arrays every time (embedding rows, layer
// outputs, gradients: ~10 MB a step in W5). V8 gets them from calloc; glibc serves blocks of a
// few MB with fresh mmap pages or trims its heap after each free, so every step faults its
// memory in again page by page (~2,500 faults and 2-10 ms per W5 step on a VM). With a fixed
// mmap threshold of 32 MB and a trim threshold of 256 MB, freed blocks are reused from the
// heap instead. The cost: up to 256 MB of freed memory stays with the process.
// RNNKIT_MALLOC_TUNING=0 leaves malloc alone, and so does any malloc setting of the user's own
// (GLIBC_TUNABLES, MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_).
#pragma once
#include <cstdlib>
#include <cstring>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace rk {

/** Applies the setting unless opted out; true when it did. */
inline bool tuneMallocForTensors() {
#if defined(__GLIBC__)
  const char* optOut = std::getenv("RNNKIT_MALLOC_TUNING");
  if (optOut && std::strcmp(optOut, "0") == 0) return false;
  for (const char* own : {"GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"}) {
    const char* v = std::getenv(own);
    if (v && *v) return false;
  }
  return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 256 << 20) == 1;
#else
  return false;
#endif
}

}  // namespace rk
