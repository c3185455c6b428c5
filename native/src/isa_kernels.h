// Every kernel, compiled once per instruction set: an isa_*.cc defines RK_VL / RK_MR / RK_NR /
// RK_ISA_NAME, turns its target on, and includes this file inside a namespace of its own, so
// the builds never share a symbol and one binary runs on any CPU of the architecture.
#include "simd.h"
#include "gemv.h"
#include "gemm.h"
#include "cells.h"
#include "few_rows.h"
#include "sequence.h"
#include "optim.h"
#include "loss.h"
#include "isa_table.h"
