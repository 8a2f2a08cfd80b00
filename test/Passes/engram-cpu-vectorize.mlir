// RUN: engram-opt %s --split-input-file --engram-cpu-vectorize="vector-width=16 tile-rows=8 tile-vectors=2" | FileCheck %s

// A matrix product: 8 x 32 register tiles (2 vectors of 16 per row), the
// reduction stepped by 8, each step broadcasts and vector FMAs.
// CHECK-LABEL: func.func @matmul
// CHECK: scf.for %{{.*}} = %c0 to %c192 step %c32
// CHECK: scf.for %{{.*}} = %c0 to %c192 step %c8
// CHECK: vector.transfer_read {{.*}} : tensor<8x8xf32>, vector<8x8xf32>
// CHECK: vector.broadcast %{{.*}} : f32 to vector<32xf32>
// CHECK: vector.fma %{{.*}}, %{{.*}}, %{{.*}} : vector<32xf32>
// CHECK-NOT: linalg.matmul
func.func @matmul(%a: tensor<8x192xf32>, %b: tensor<192x192xf32>, %c: tensor<8x192xf32>) -> tensor<8x192xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<8x192xf32>, tensor<192x192xf32>) outs(%c : tensor<8x192xf32>) -> tensor<8x192xf32>
  return %r : tensor<8x192xf32>
}

// -----

// An elementwise map: rows of 64 = 4 vectors, multiply-adds contractible.
// CHECK-LABEL: func.func @elementwise
// CHECK: scf.for %{{.*}} = %c0 to %c8 step %c1
// CHECK: vector.transfer_read {{.*}} vector<1x64xf32>
// CHECK: arith.mulf {{.*}} fastmath<contract> : vector<1x64xf32>
// CHECK: arith.addf {{.*}} fastmath<contract> : vector<1x64xf32>
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @elementwise(%x: tensor<8x64xf32>, %y: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %e = tensor.empty() : tensor<8x64xf32>
  %r = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x, %y : tensor<8x64xf32>, tensor<8x64xf32>) outs(%e : tensor<8x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %p, %a : f32
    linalg.yield %s : f32
  } -> tensor<8x64xf32>
  return %r : tensor<8x64xf32>
}

// -----

// A reduction over the innermost dimension: one horizontal reduction per
// row, reassociated into a tree.
// CHECK-LABEL: func.func @row_sums
// CHECK: vector.reduction <add>, %{{.*}}, %{{.*}} fastmath<reassoc,contract> : vector<64xf32> into f32
#in = affine_map<(d0, d1) -> (d0, d1)>
#out = affine_map<(d0, d1) -> (d0)>
func.func @row_sums(%x: tensor<8x64xf32>, %init: tensor<8xf32>) -> tensor<8xf32> {
  %r = linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x64xf32>) outs(%init : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// A reduction over an outer dimension accumulates whole vectors: no
// horizontal reduction.
// CHECK-LABEL: func.func @column_sums
// CHECK-NOT: vector.reduction
// CHECK: arith.addf {{.*}} : vector<64xf32>
// CHECK-NOT: vector.reduction
#in2 = affine_map<(d0, d1) -> (d0, d1)>
#out2 = affine_map<(d0, d1) -> (d1)>
func.func @column_sums(%x: tensor<8x64xf32>, %init: tensor<64xf32>) -> tensor<64xf32> {
  %r = linalg.generic {indexing_maps = [#in2, #out2], iterator_types = ["reduction", "parallel"]}
      ins(%x : tensor<8x64xf32>) outs(%init : tensor<64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  } -> tensor<64xf32>
  return %r : tensor<64xf32>
}

// -----

// Dynamic dimensions are tiled by 1 so that every vector is static; exp
// becomes a polynomial (no math.exp left).
// CHECK-LABEL: func.func @dynamic_exp
// CHECK: scf.for %{{.*}} = %c0 to %{{.*}} step %c1
// CHECK-NOT: math.exp
// CHECK: vector<1x10xf32>
#map3 = affine_map<(d0, d1) -> (d0, d1)>
func.func @dynamic_exp(%x: tensor<?x10xf32>, %o: tensor<?x10xf32>) -> tensor<?x10xf32> {
  %r = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x10xf32>) outs(%o : tensor<?x10xf32>) {
  ^bb0(%a: f32, %b: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  } -> tensor<?x10xf32>
  return %r : tensor<?x10xf32>
}
