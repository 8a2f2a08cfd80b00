// RUN: engram-opt %s --split-input-file --engram-cpu-bufferize | FileCheck %s

// Results become out-parameters written by the function.
// CHECK-LABEL: func.func @results
// CHECK-SAME: (%[[X:.*]]: memref<?x4xf32>, %[[OUT:.*]]: memref<?x4xf32>) {
// CHECK-NOT: return %
func.func @results(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %b = tensor.dim %x, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%b) : tensor<?x4xf32>
  %r = linalg.copy ins(%x : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// A result written in place into an argument (destination passing) is the
// argument: it is dropped, nothing is copied.
// CHECK-LABEL: func.func @destination
// CHECK-SAME: (%[[X:.*]]: memref<?x4xf32>, %[[D:.*]]: memref<?x4xf32>) {
// CHECK: linalg.copy ins(%[[X]] : memref<?x4xf32>) outs(%[[D]] : memref<?x4xf32>)
// CHECK-NEXT: return
func.func @destination(%x: tensor<?x4xf32>, %d: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %r = linalg.copy ins(%x : tensor<?x4xf32>) outs(%d : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}

// -----

// Copies between strided views are linalg.copy (no call into MLIR's runtime
// library); contiguous ones stay memref.copy (memcpy).
// CHECK-LABEL: func.func @strided
// CHECK: linalg.copy ins(%{{.*}} : memref<2x4xf32, strided<[8, 1], offset: ?>>)
// CHECK-NOT: memref.copy %{{.*}} : memref<2x4xf32, strided
func.func @strided(%x: tensor<2x4xf32>, %big: tensor<8x8xf32>, %i: index) -> tensor<8x8xf32> {
  %r = tensor.insert_slice %x into %big[%i, 0] [2, 4] [1, 1] : tensor<2x4xf32> into tensor<8x8xf32>
  return %r : tensor<8x8xf32>
}
