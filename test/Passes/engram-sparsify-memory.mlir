// RUN: engram-opt %s --split-input-file --engram-sparsify-memory="top-k=2" | FileCheck %s --check-prefix=TOPK
// RUN: engram-opt %s --split-input-file --engram-sparsify-memory="density=0.5" | FileCheck %s --check-prefix=HALF
// RUN: engram-opt %s --split-input-file --engram-sparsify-memory="density=0.1" | FileCheck %s --check-prefix=TENTH
// RUN: engram-opt %s --split-input-file --engram-sparsify-memory | FileCheck %s --check-prefix=NONE
// RUN: engram-opt %s --split-input-file --engram-sparsify-memory="top-k=2 density=0.5" | engram-opt | FileCheck %s --check-prefix=BOTH

// top-k only marks the recall; the memory bank is unchanged.
// TOPK-LABEL: func.func @step
// TOPK: engram.memory dense<{{.*}}> : tensor<3x4xf32> -> !engram.memory<3x4xf32>
// TOPK: engram.recall {{.*}}top_k = 2 : i64{{.*}}
// TOPK: engram.hebbian_update

// Each row keeps round(0.5·4) = 2 entries of largest magnitude, in column
// order; ties go to the lower column (row 1: |1.0| = |1.0| keeps column 1).
// HALF-LABEL: func.func @step
// HALF: %[[M:.*]] = engram.memory dense<{{\[}}[5.000000e-01, 1.000000e+00], [-2.000000e+00, 1.000000e+00], [0.000000e+00, 0.000000e+00]]> : tensor<3x2xf32>
// HALF-SAME: indices dense<{{\[}}[0, 3], [0, 1], [0, 1]]> : tensor<3x2xi32>
// HALF-SAME: -> !engram.memory<3x4xf32, #engram.ell<rowEntries = 2>>
// HALF: engram.recall %{{.*}}, %[[M]]
// HALF-NOT: top_k

// At least one entry per row survives: max(1, round(0.1·4)) = 1.
// TENTH-LABEL: func.func @step
// TENTH: engram.memory dense<{{\[}}[1.000000e+00], [-2.000000e+00], [0.000000e+00]]> : tensor<3x1xf32>
// TENTH-SAME: indices dense<{{\[}}[3], [0], [0]]> : tensor<3x1xi32>
// TENTH-SAME: #engram.ell<rowEntries = 1>

// The defaults change nothing.
// NONE-LABEL: func.func @step
// NONE: engram.memory dense<{{.*}}> : tensor<3x4xf32> -> !engram.memory<3x4xf32>
// NONE-NOT: top_k

// Both at once, and the result parses again.
// BOTH-LABEL: func.func @step
// BOTH: #engram.ell<rowEntries = 2>
// BOTH: top_k = 2
func.func @step(%n: tensor<?x4xf32>, %T: !engram.trace<?x3x4xf32>) -> (tensor<?x4xf32>, !engram.trace<?x3x4xf32>) {
  %M = engram.memory dense<[[0.5, -0.25, 0.125, 1.0], [-2.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]> : tensor<3x4xf32> -> !engram.memory<3x4xf32>
  %a, %m = engram.recall %n, %M, %T {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64}
      : (tensor<?x4xf32>, !engram.memory<3x4xf32>, !engram.trace<?x3x4xf32>) -> (tensor<?x3xf32>, tensor<?x4xf32>)
  %T2 = engram.hebbian_update %T, %a, %n {learning_rate = 0.05 : f64, clip = 0.1 : f64}
      : (!engram.trace<?x3x4xf32>, tensor<?x3xf32>, tensor<?x4xf32>) -> !engram.trace<?x3x4xf32>
  return %m, %T2 : tensor<?x4xf32>, !engram.trace<?x3x4xf32>
}
