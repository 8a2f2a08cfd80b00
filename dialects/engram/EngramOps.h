//===- EngramOps.h - engram dialect operations ------------------*- C++ -*-===//
//
// Declares the ops of the engram dialect (generated from EngramOps.td).
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_DIALECTS_ENGRAM_ENGRAMOPS_H
#define ENGRAM_DIALECTS_ENGRAM_ENGRAMOPS_H

#include "dialects/engram/EngramDialect.h"
#include "dialects/engram/EngramTypes.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" // ODS-generated code
#include "dialects/engram/EngramOps.h.inc"
#pragma GCC diagnostic pop

#endif // ENGRAM_DIALECTS_ENGRAM_ENGRAMOPS_H
