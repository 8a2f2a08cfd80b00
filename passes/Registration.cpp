//===- Registration.cpp - dialects known to the engram tools --------------===//

#include "passes/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"

void mlir::engram::registerDialects(DialectRegistry &registry) {
  registry.insert<EngramDialect, arith::ArithDialect, func::FuncDialect,
                  tensor::TensorDialect>();
}
