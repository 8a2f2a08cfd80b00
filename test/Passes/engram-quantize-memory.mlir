// RUN: engram-opt %s --split-input-file --engram-quantize-memory="what=memory bits=8" | FileCheck %s --check-prefix=INT8
// RUN: engram-opt %s --split-input-file --engram-quantize-memory="what=both bits=4 scale=tensor" | FileCheck %s --check-prefix=INT4
// RUN: engram-opt %s --split-input-file --engram-quantize-memory="what=memory bits=1" | FileCheck %s --check-prefix=BIN
// RUN: engram-opt %s --split-input-file --engram-quantize-memory="what=memory rounding=stochastic seed=7" | FileCheck %s --check-prefix=STOCH
// RUN: engram-opt %s --split-input-file --engram-quantize-memory="what=trace bits=8" | FileCheck %s --check-prefix=TRACE
// RUN: engram-opt %s --split-input-file --engram-quantize-memory="what=trace bits=16" | FileCheck %s --check-prefix=TRACE16
// RUN: engram-opt %s --split-input-file --engram-sparsify-memory="density=0.5" --engram-quantize-memory="what=memory" | FileCheck %s --check-prefix=ELL
// RUN: engram-opt %s --split-input-file --engram-quantize-memory="what=trace trace-format=bf16" | FileCheck %s --check-prefix=BF16
// RUN: engram-opt %s --split-input-file --engram-quantize-memory="what=both bits=4 trace-format=bf16" | FileCheck %s --check-prefix=BF16BOTH

// Row scales are max|row| / 127; 0.5 / (2 / 127) = 63.5 rounds to 64 (half
// away from zero); an all-zero row gets the smallest normal float as scale.
// INT8-LABEL: func.func @step
// INT8: %[[M:.*]] = engram.memory dense<{{\[}}[64, -32, 16, 127], [-127, 64, 32, 0], [0, 0, 0, 0]]> : tensor<3x4xi8>
// INT8-SAME: scales dense<[0.00787401571, 0.0157480314, 1.17549435E-38]> : tensor<3xf32>
// INT8-SAME: -> !engram.memory<3x4xf32, #engram.quant<bits = 8, scale = row, rounding = nearest>>
// INT8: engram.recall %{{.*}}, %[[M]], %{{.*}} {{.*}} !engram.memory<3x4xf32, #engram.quant<bits = 8, scale = row, rounding = nearest>>, !engram.trace<?x3x4xf32>)
// INT8: engram.hebbian_update {{.*}} -> !engram.trace<?x3x4xf32>

// One scale for the bank, max|M| / 7; the trace becomes 4-bit fixed point
// bounded by the clip, in the signature as well.
// INT4-LABEL: func.func @step
// INT4-SAME: !engram.trace<?x3x4xf32, #engram.fixed<bits = 4, bound = 1.000000e-01 : f64>>
// INT4: engram.memory dense<{{\[}}[2, -1, 0, 3], [-7, 3, 2, 0], [0, 0, 0, 0]]> : tensor<3x4xi8> scales dense<0.285714298> : tensor<1xf32>
// INT4-SAME: #engram.quant<bits = 4, scale = tensor, rounding = nearest>
// INT4: engram.hebbian_update {{.*}} -> !engram.trace<?x3x4xf32, #engram.fixed<bits = 4, bound = 1.000000e-01 : f64>>
// INT4: return {{.*}} !engram.trace<?x3x4xf32, #engram.fixed<bits = 4, bound = 1.000000e-01 : f64>>

// Binary: sign(M) (zero counts as +1) with mean|row| as scale.
// BIN-LABEL: func.func @step
// BIN: engram.memory dense<{{\[}}[1, -1, 1, 1], [-1, 1, 1, 1], [1, 1, 1, 1]]> : tensor<3x4xi8> scales dense<[4.687500e-01, 8.750000e-01, 1.17549435E-38]>
// BIN-SAME: #engram.quant<bits = 1, scale = row, rounding = nearest>

// Stochastic rounding: 63.5 becomes 63 with this seed; exact levels stay.
// STOCH-LABEL: func.func @step
// STOCH: engram.memory dense<{{\[}}[63, -32, 16, 127], [-127, 63, 32, 0], [0, 0, 0, 0]]> : tensor<3x4xi8>
// STOCH-SAME: #engram.quant<bits = 8, scale = row, rounding = stochastic, seed = 7>

// Only the trace: the memory keeps its floats.
// TRACE-LABEL: func.func @step
// TRACE: engram.memory dense<{{.*}}> : tensor<3x4xf32> -> !engram.memory<3x4xf32>
// TRACE: engram.hebbian_update {{.*}} -> !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 1.000000e-01 : f64>>

// TRACE16-LABEL: func.func @step
// TRACE16: engram.hebbian_update {{.*}} -> !engram.trace<?x3x4xf32, #engram.fixed<bits = 16, bound = 1.000000e-01 : f64>>

// A bfloat16 trace: the encoding on every trace, the signature included;
// with what=both the bank takes `bits`.
// BF16-LABEL: func.func @step
// BF16-SAME: !engram.trace<?x3x4xf32, #engram.bf16>
// BF16: engram.memory dense<{{.*}}> : tensor<3x4xf32> -> !engram.memory<3x4xf32>
// BF16: engram.hebbian_update {{.*}} -> !engram.trace<?x3x4xf32, #engram.bf16>
// BF16: return {{.*}} !engram.trace<?x3x4xf32, #engram.bf16>
// BF16BOTH-LABEL: func.func @step
// BF16BOTH: #engram.quant<bits = 4, scale = row, rounding = nearest>
// BF16BOTH: engram.hebbian_update {{.*}} -> !engram.trace<?x3x4xf32, #engram.bf16>

// Pruned first, then the kept entries are quantized; indices are unchanged.
// ELL-LABEL: func.func @step
// ELL: engram.memory dense<{{\[}}[64, 127], [-127, 64], [0, 0]]> : tensor<3x2xi8>
// ELL-SAME: indices dense<{{\[}}[0, 3], [0, 1], [0, 1]]> : tensor<3x2xi32>
// ELL-SAME: -> !engram.memory<3x4xf32, #engram.quant<bits = 8, scale = row, rounding = nearest>, #engram.ell<rowEntries = 2>>
func.func @step(%n: tensor<?x4xf32>, %T: !engram.trace<?x3x4xf32>) -> (tensor<?x4xf32>, !engram.trace<?x3x4xf32>) {
  %M = engram.memory dense<[[0.5, -0.25, 0.125, 1.0], [-2.0, 1.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0]]> : tensor<3x4xf32> -> !engram.memory<3x4xf32>
  %a, %m = engram.recall %n, %M, %T {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64}
      : (tensor<?x4xf32>, !engram.memory<3x4xf32>, !engram.trace<?x3x4xf32>) -> (tensor<?x3xf32>, tensor<?x4xf32>)
  %T2 = engram.hebbian_update %T, %a, %n {learning_rate = 0.05 : f64, clip = 0.1 : f64}
      : (!engram.trace<?x3x4xf32>, tensor<?x3xf32>, tensor<?x4xf32>) -> !engram.trace<?x3x4xf32>
  return %m, %T2 : tensor<?x4xf32>, !engram.trace<?x3x4xf32>
}
