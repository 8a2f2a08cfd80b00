// RUN: engram-opt %s --split-input-file --canonicalize | FileCheck %s

// Pooling `sequence` is the identity and folds away.
// CHECK-LABEL: func.func @fold_sequence_pool
// CHECK-SAME: (%[[S:.*]]: tensor<?x?x4xf32>)
// CHECK-NOT: engram.pool
// CHECK: return %[[S]]
func.func @fold_sequence_pool(%s: tensor<?x?x4xf32>) -> tensor<?x?x4xf32> {
  %p = engram.pool sequence %s : (tensor<?x?x4xf32>) -> tensor<?x?x4xf32>
  return %p : tensor<?x?x4xf32>
}

// -----

// A sequence pool that refines the type is kept: folding would change it.
// CHECK-LABEL: func.func @keep_refining_sequence_pool
// CHECK: engram.pool sequence
func.func @keep_refining_sequence_pool(%s: tensor<?x?x4xf32>) -> tensor<2x?x4xf32> {
  %p = engram.pool sequence %s : (tensor<?x?x4xf32>) -> tensor<2x?x4xf32>
  return %p : tensor<2x?x4xf32>
}

// -----

// Other poolings stay.
// CHECK-LABEL: func.func @keep_last_pool
// CHECK: engram.pool last
func.func @keep_last_pool(%s: tensor<?x?x4xf32>) -> tensor<?x4xf32> {
  %p = engram.pool last %s : (tensor<?x?x4xf32>) -> tensor<?x4xf32>
  return %p : tensor<?x4xf32>
}

// -----

// The engram ops are pure: a recall whose results are unused is erased.
// CHECK-LABEL: func.func @dead_recall
// CHECK-NOT: engram.recall
// CHECK: return
func.func @dead_recall(%z: tensor<?x2xf32>, %t: !engram.trace<4x2xf32>) {
  %m = engram.memory dense<1.0> : tensor<4x2xf32> -> !engram.memory<4x2xf32>
  %a, %r = engram.recall %z, %m, %t {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64}
      : (tensor<?x2xf32>, !engram.memory<4x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x4xf32>, tensor<?x2xf32>)
  return
}
