// Baseline build: SSE2 on x86-64, NEON on arm64, whatever 16-byte vectors the compiler has elsewhere.
#include <utility>
#include "common.h"

#define RK_VL 4
#define RK_MR 4
#define RK_NR 8
#define RK_ISA_NAME "generic"
namespace rk {
namespace generic {
#include "isa_kernels.h"
}  // namespace generic
const Isa* isaGeneric() { return &generic::kTable; }
}  // namespace rk
