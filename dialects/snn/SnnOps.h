//===- SnnOps.h - snn dialect operations ------------------------*- C++ -*-===//
//
// Declares the ops of the snn dialect (generated from SnnOps.td).
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_DIALECTS_SNN_SNNOPS_H
#define ENGRAM_DIALECTS_SNN_SNNOPS_H

#include "dialects/snn/SnnDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/RegionKindInterface.h"
#include "mlir/IR/SymbolTable.h"

#define GET_OP_CLASSES
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter" // ODS-generated code
#include "dialects/snn/SnnOps.h.inc"
#pragma GCC diagnostic pop

#endif // ENGRAM_DIALECTS_SNN_SNNOPS_H
