// RUN: engram-opt %s --engram-cpu-pipeline="vector-width=8 tile-rows=4 batch-tile=4" | FileCheck %s
// RUN: engram-opt %s --engram-cpu-pipeline="vector-width=1 batch-tile=0" | FileCheck %s --check-prefix=SCALAR

// The whole pipeline ends in the LLVM dialect, with vector FMAs, the
// results as out-parameters and the batch tile inlined; @forward is the
// artifact's entry, described for the CPU translation.
// CHECK: module attributes {engram.cpu_layout = array<i64: 2, 3, 2, 2, 1, 2, 3, 4>, engram.cpu_metadata = "{{.*}}\22input_dim\22:3
// CHECK: llvm.func @engram_forward(
// CHECK-NOT: func.func
// CHECK-NOT: engram.
// CHECK-NOT: linalg.
// CHECK-NOT: memref.
// CHECK-NOT: scf.
// CHECK: llvm.intr.fmuladd({{.*}}) : (vector<{{[0-9]+}}xf32>, vector<{{[0-9]+}}xf32>, vector<{{[0-9]+}}xf32>)

// Without vectorization or batch tiles it still lowers, to scalar loops.
// SCALAR: llvm.func @engram_forward(
// SCALAR-NOT: vector<
// SCALAR-NOT: engram.
func.func @forward(%x: tensor<?x?x3xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x4x2xf32>) {
  %c0 = arith.constant 0 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x3xf32>
  %zero = arith.constant 0.0 : f32
  %h0 = tensor.splat %zero[%b] : tensor<?x2xf32>
  %t0 = engram.trace_init batch %b : !engram.trace<?x4x2xf32>
  %M = engram.memory dense<0.5> : tensor<4x2xf32> -> !engram.memory<4x2xf32>
  %k = arith.constant dense<0.5> : tensor<3x2xf32>
  %bias = arith.constant dense<0.1> : tensor<2xf32>
  %ki = arith.constant dense<0.05> : tensor<6x6xf32>
  %bi = arith.constant dense<0.01> : tensor<6xf32>
  %ko = arith.constant dense<0.02> : tensor<6x2xf32>
  %states, %h, %T = engram.loop %x, %h0, %t0
      : (tensor<?x?x3xf32>, tensor<?x2xf32>, !engram.trace<?x4x2xf32>)
        -> (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<?x4x2xf32>) {
  ^bb0(%xt: tensor<?x3xf32>, %hp: tensor<?x2xf32>, %tp: !engram.trace<?x4x2xf32>):
    %z = engram.encode %xt, %k, %bias : (tensor<?x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    %a, %m = engram.recall %z, %M, %tp {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64}
        : (tensor<?x2xf32>, !engram.memory<4x2xf32>, !engram.trace<?x4x2xf32>) -> (tensor<?x4xf32>, tensor<?x2xf32>)
    %hn = engram.integrate %z, %m, %hp, %ki, %bi, %ko, %bias
        : (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<6x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    %tn = engram.hebbian_update %tp, %a, %z {learning_rate = 0.05 : f64, clip = 0.1 : f64}
        : (!engram.trace<?x4x2xf32>, tensor<?x4xf32>, tensor<?x2xf32>) -> !engram.trace<?x4x2xf32>
    engram.yield %hn, %tn : tensor<?x2xf32>, !engram.trace<?x4x2xf32>
  }
  %tv = engram.read_trace %T : !engram.trace<?x4x2xf32> -> tensor<?x4x2xf32>
  return %h, %h, %tv : tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x4x2xf32>
}
