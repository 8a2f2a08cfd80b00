// RUN: engram-opt %s --split-input-file --engram-state-arguments --verify-diagnostics | FileCheck %s
// The initial state of @forward becomes its arguments 1 and 2, each with
// the start it replaces as engram.default; running it twice changes nothing.
// RUN: engram-opt %s --split-input-file --engram-state-arguments --engram-state-arguments --verify-diagnostics | FileCheck %s
// The CPU pipeline compiles the stateful entry, with tiles (whose calls
// slice the state along the batch) and without.
// RUN: engram-opt %s --split-input-file --engram-state-arguments --engram-tile-batch="tile-size=4 destination-passing" --verify-diagnostics | FileCheck %s --check-prefix=TILE

// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[X:arg[0-9]+]]: tensor<?x?x3xf32>, %[[H0:arg[0-9]+]]: tensor<?x2xf32> {engram.default = "zeros"}, %[[T0:arg[0-9]+]]: tensor<?x4x2xf32> {engram.default = dense<2.500000e-02> : tensor<4x2xf32>})
// CHECK-NOT: tensor.splat
// CHECK: %[[B:.*]] = tensor.dim %[[X]]
// CHECK: %[[T:.*]] = engram.trace_init from %[[T0]] : tensor<?x4x2xf32> batch %[[B]] : !engram.trace<?x4x2xf32>
// CHECK: engram.loop %[[X]], %[[H0]], %[[T]]
// TILE-LABEL: func.func @forward
// TILE-SAME: (%[[X:arg[0-9]+]]: tensor<?x?x3xf32>, %[[H0:arg[0-9]+]]: tensor<?x2xf32> {engram.default = "zeros"}, %[[T0:arg[0-9]+]]: tensor<?x4x2xf32> {engram.default = {{.*}}}, %{{.*}}: tensor<?x2xf32>, %{{.*}}: tensor<?x4x2xf32>)
// TILE: scf.for %[[I:arg[0-9]+]] =
// TILE-DAG: tensor.extract_slice %[[X]][%[[I]], 0, 0] [4, %{{.*}}, 3]
// TILE-DAG: tensor.extract_slice %[[H0]][%[[I]], 0] [4, 2] [1, 1] : tensor<?x2xf32> to tensor<4x2xf32>
// TILE-DAG: tensor.extract_slice %[[T0]][%[[I]], 0, 0] [4, 4, 2] [1, 1, 1] : tensor<?x4x2xf32> to tensor<4x4x2xf32>
// TILE: func.call @forward_tile(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<4x?x3xf32>, tensor<4x2xf32>, tensor<4x4x2xf32>)
func.func @forward(%x: tensor<?x?x3xf32>) -> (tensor<?x2xf32>, tensor<?x4x2xf32>) {
  %c0 = arith.constant 0 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x3xf32>
  %zero = arith.constant 0.0 : f32
  %h0 = tensor.splat %zero[%b] : tensor<?x2xf32>
  %init = arith.constant dense<0.025> : tensor<4x2xf32>
  %t0 = engram.trace_init from %init : tensor<4x2xf32> batch %b : !engram.trace<?x4x2xf32>
  %k = arith.constant dense<0.5> : tensor<3x2xf32>
  %bias = arith.constant dense<0.1> : tensor<2xf32>
  %states, %h, %T = engram.loop %x, %h0, %t0
      : (tensor<?x?x3xf32>, tensor<?x2xf32>, !engram.trace<?x4x2xf32>)
        -> (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<?x4x2xf32>) {
  ^bb0(%xt: tensor<?x3xf32>, %hp: tensor<?x2xf32>, %tp: !engram.trace<?x4x2xf32>):
    %z = engram.encode %xt, %k, %bias : (tensor<?x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    engram.yield %z, %tp : tensor<?x2xf32>, !engram.trace<?x4x2xf32>
  }
  %tv = engram.read_trace %T : !engram.trace<?x4x2xf32> -> tensor<?x4x2xf32>
  return %h, %tv : tensor<?x2xf32>, tensor<?x4x2xf32>
}

// -----

// A shared (batch_mean) trace starting at zero takes an N×H state.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%{{.*}}: tensor<?x?x3xf32>, %{{.*}}: tensor<?x2xf32> {engram.default = "zeros"}, %[[T0:arg[0-9]+]]: tensor<4x2xf32> {engram.default = "zeros"})
// CHECK: engram.trace_init from %[[T0]] : tensor<4x2xf32> : !engram.trace<4x2xf32>
func.func @forward(%x: tensor<?x?x3xf32>) -> (tensor<?x2xf32>, tensor<4x2xf32>) {
  %c0 = arith.constant 0 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x3xf32>
  %zero = arith.constant 0.0 : f32
  %h0 = tensor.splat %zero[%b] : tensor<?x2xf32>
  %t0 = engram.trace_init : !engram.trace<4x2xf32>
  %k = arith.constant dense<0.5> : tensor<3x2xf32>
  %bias = arith.constant dense<0.1> : tensor<2xf32>
  %states, %h, %T = engram.loop %x, %h0, %t0
      : (tensor<?x?x3xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>)
        -> (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) {
  ^bb0(%xt: tensor<?x3xf32>, %hp: tensor<?x2xf32>, %tp: !engram.trace<4x2xf32>):
    %z = engram.encode %xt, %k, %bias : (tensor<?x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    engram.yield %z, %tp : tensor<?x2xf32>, !engram.trace<4x2xf32>
  }
  %tv = engram.read_trace %T : !engram.trace<4x2xf32> -> tensor<4x2xf32>
  return %h, %tv : tensor<?x2xf32>, tensor<4x2xf32>
}

// -----

// expected-error @+1 {{engram-state-arguments: @forward must hold one engram.loop, it holds 0}}
func.func @forward(%x: tensor<?x?x3xf32>) -> tensor<?x?x3xf32> {
  return %x : tensor<?x?x3xf32>
}

// -----

// expected-error @+1 {{engram-state-arguments: the module has no func.func @forward}}
module {
  func.func @other(%x: tensor<?x?x3xf32>) -> tensor<?x?x3xf32> {
    return %x : tensor<?x?x3xf32>
  }
}
