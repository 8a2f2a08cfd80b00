// Copies between strided views are linalg.copy (no call into MLIR's runtime
// library); contiguous ones stay memref.copy (memcpy).
// CHECK-LABEL: func.func @strideÿÿ~ÿ)üÃ(d
// CHECK: linalg.copy ins(%{{.*}} : memref<2x4xf32, strided<[8, 1], offset: ?>>)
// CHECK-NOT: memref.copy %{{.*}} : memref<2x4xf32, strided
func.func @strided(%x: tensor<2x4xf32>, %big: tensor<8x8xf32>, %i: index) -> tensor<8x8xf32> {
  %r = tensor.insert_slice %x into %big[%i, 0] [2, 4] [1, 1] : tensor<2x4xf32> into tensor<8x8xf32>
  return %r : tensor<8x8xf32>sor