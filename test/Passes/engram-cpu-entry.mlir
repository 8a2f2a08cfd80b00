// RUN: engram-opt %s --split-input-file --verify-diagnostics --engram-cpu-entry | FileCheck %s

// @forward becomes the artifact's entry; what the metadata says about the
// model and the shim's layout table (ABI 2, D, output rank and units,
// states, H, trace rank, N) are module attributes for the CPU translation.
// A model with final states takes its initial state as arguments (ABI 2),
// which the entry must not update in place; its default T0 is kept for the
// shim.
// CHECK-LABEL: module attributes
// CHECK-SAME: engram.cpu_initial_trace = dense<2.500000e-02> : tensor<4x2xf32>
// CHECK-SAME: engram.cpu_layout = array<i64: 2, 3, 2, 2, 1, 2, 3, 4>
// CHECK-SAME: engram.cpu_metadata = "{{.*}}\22has_final_states\22:true{{.*}}\22output\22:{\22rank\22:2,\22shape\22:\22batch x units\22,\22units\22:2}
// CHECK: func.func @engram_forward(%{{.*}}: tensor<?x?x3xf32>, %{{.*}}: tensor<?x2xf32> {bufferization.writable = false}, %{{.*}}: tensor<?x4x2xf32> {bufferization.writable = false}) -> (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x4x2xf32>) attributes {llvm.emit_c_interface}
// CHECK-NOT: @forward
func.func @forward(%x: tensor<?x?x3xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x4x2xf32>) {
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
  return %h, %h, %tv : tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x4x2xf32>
}

// -----

// Output only: no states in the layout.
// CHECK-LABEL: module attributes
// CHECK-SAME: engram.cpu_layout = array<i64: 2, 5, 3, 7, 0, 0, 0, 0>
// CHECK: func.func @engram_forward
func.func @forward(%x: tensor<?x?x5xf32>) -> tensor<?x?x7xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x5xf32>
  %s = tensor.dim %x, %c1 : tensor<?x?x5xf32>
  %y = tensor.empty(%b, %s) : tensor<?x?x7xf32>
  return %y : tensor<?x?x7xf32>
}

// -----

// The C ABI takes one float32 sequence batch.
// expected-error @+1 {{cannot compile @forward for the CPU: it must take one tensor<BxSxDxf32>}}
func.func @forward(%x: tensor<?x?x3xf64>) -> tensor<?x2xf32> {
  %c0 = arith.constant 0 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x3xf64>
  %y = tensor.empty(%b) : tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{cannot compile @forward for the CPU: the input width D must be static}}
func.func @forward(%x: tensor<?x?x?xf32>) -> tensor<?x2xf32> {
  %c0 = arith.constant 0 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x?xf32>
  %y = tensor.empty(%b) : tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{cannot compile @forward for the CPU: it must return the output, or (output, h, trace)}}
func.func @forward(%x: tensor<?x?x3xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>) {
  %c0 = arith.constant 0 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x3xf32>
  %y = tensor.empty(%b) : tensor<?x2xf32>
  return %y, %y : tensor<?x2xf32>, tensor<?x2xf32>
}

// -----

// expected-error @+1 {{the CPU target compiles func.func @forward, which this module does not have}}
module {
  func.func @main() {
    return
  }
}
