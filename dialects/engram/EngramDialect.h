//===- EngramDialect.h - engram dialect declaration -------------*- C++ -*-===//
//
// Declares the engram dialect class. Include EngramOps.h to get the ops and
// EngramTypes.h for the memory bank and trace types.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_DIALECTS_ENGRAM_ENGRAMDIALECT_H
#define ENGRAM_DIALECTS_ENGRAM_ENGRAMDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "dialects/engram/EngramDialect.h.inc"

#endif // ENGRAM_DIALECTS_ENGRAM_ENGRAMDIALECT_H
