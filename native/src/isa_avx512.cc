// AVX-512 build (x86-64 only; chosen at run time when the CPU has AVX-512 F/DQ/BW/VL).
#include <utility>
#include "common.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,bmi,bmi2,lzcnt,popcnt,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,bmi,bmi2,lzcnt,popcnt,f16c")
#endif
#define RK_VL 16
#define RK_MR 8
#define RK_NR 32
#define RK_ISA_NAME "avx512"
namespace rk {
namespace avx512 {
#include "isa_kernels.h"
}  // namespace avx512
}  // namespace rk
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
namespace rk {
const Isa* isaAvx512() { return &avx512::kTable; }
}  // namespace rk
#else
namespace rk {
const Isa* isaAvx512() { return nullptr; }
}  // namespace rk
#endif
