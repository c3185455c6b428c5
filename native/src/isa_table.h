// The kernel table of one instruction set build (last include of each isa_*.cc).
static const Isa kTable = {
    RK_ISA_NAME,
    gemm,
    addRowVector,
    sumRowsInto,
    activationForward,
    activationBackward,
    softmaxRows,
    rnnCellForward,
    rnnCellBackward,
    lstmCellForward,
    lstmCellBackward,
    gruCellForward,
    gruCellBackward,
    sequenceForward,
    sequenceBackward,
};
