// RUN: engram-opt %s --verify-diagnostics --engram-sparsify-memory="top-k=5"
// RUN: not engram-opt %s --engram-sparsify-memory="density=0" 2>&1 | FileCheck %s --check-prefix=DENSITY
// RUN: not engram-opt %s --engram-sparsify-memory="top-k=-1" 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: not engram-opt %s --engram-quantize-memory="what=memory" --engram-sparsify-memory="density=0.5" 2>&1 | FileCheck %s --check-prefix=ORDER

// Option errors name the option and the value, once, without a module dump.
// DENSITY: error: engram-sparsify-memory: top-k must be >= 0 and density in (0, 1], got top-k=0 density=0.000000e+00
// DENSITY-NOT: builtin.module
// NEGATIVE: got top-k=-1
// ORDER: error: engram-sparsify-memory:
func.func @step(%n: tensor<?x4xf32>, %T: !engram.trace<?x3x4xf32>) -> !engram.trace<?x3x4xf32> {
  %M = engram.memory dense<0.5> : tensor<3x4xf32> -> !engram.memory<3x4xf32>
  // expected-error @+1 {{engram-sparsify-memory: top-k=5 exceeds the 3 memory slots}}
  %a, %m = engram.recall %n, %M, %T {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64}
      : (tensor<?x4xf32>, !engram.memory<3x4xf32>, !engram.trace<?x3x4xf32>) -> (tensor<?x3xf32>, tensor<?x4xf32>)
  %T2 = engram.hebbian_update %T, %a, %n {learning_rate = 0.05 : f64, clip = 0.1 : f64}
      : (!engram.trace<?x3x4xf32>, tensor<?x3xf32>, tensor<?x4xf32>) -> !engram.trace<?x3x4xf32>
  return %T2 : !engram.trace<?x3x4xf32>
}
