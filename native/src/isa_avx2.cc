// AVX2 + FMA build (x86-64 only; chosen at run time when the CPU has both).
#include <utility>
#include "common.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,bmi,bmi2,lzcnt,popcnt,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi,bmi2,lzcnt,popcnt,f16c")
#endif
#define RK_VL 8
#define RK_MR 6
#define RK_NR 16
#define RK_ISA_NAME "avx2"
namespace rk {
namespace avx2 {
#include "isa_kernels.h"
}  // namespace avx2
}  // namespace rk
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
namespace rk {
const Isa* isaAvx2() { return &avx2::kTable; }
}  // namespace rk
#else
namespace rk {
const Isa* isaAvx2() { return nullptr; }
}  // namespace rk
#endif
