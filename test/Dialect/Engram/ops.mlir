// RUN: engram-opt %s --split-input-file | FileCheck %s
// Round trip: print, parse the printed form again, print the same.
// RUN: engram-opt %s --split-input-file | engram-opt --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @step_ops
func.func @step_ops(%x: tensor<?x3xf32>, %h: tensor<?x2xf32>,
                    %T: !engram.trace<?x4x2xf32>, %k: tensor<3x2xf32>,
                    %b: tensor<2xf32>, %ki: tensor<6x6xf32>, %bi: tensor<6xf32>,
                    %ko: tensor<6x2xf32>)
    -> (tensor<?x2xf32>, !engram.trace<?x4x2xf32>) {
  // CHECK: %[[M:.*]] = engram.memory dense<1.000000e+00> : tensor<4x2xf32> -> !engram.memory<4x2xf32>
  %M = engram.memory dense<1.0> : tensor<4x2xf32> -> !engram.memory<4x2xf32>
  // CHECK: %[[Z:.*]] = engram.encode %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  %z = engram.encode %x, %k, %b : (tensor<?x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  // CHECK: %[[N:.*]] = engram.layer_norm %[[Z]], %{{.*}}, %{{.*}} {epsilon = 9.9999999999999995E-7 : f64}
  %n = engram.layer_norm %z, %b, %b {epsilon = 1.0e-6 : f64} : (tensor<?x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  // CHECK: %[[A:.*]], %[[R:.*]] = engram.recall %[[N]], %[[M]], %{{.*}} {scale_factor = 5.000000e-01 : f64, sparsity_strength = 1.000000e-01 : f64, temperature = 1.500000e+00 : f64} : (tensor<?x2xf32>, !engram.memory<4x2xf32>, !engram.trace<?x4x2xf32>) -> (tensor<?x4xf32>, tensor<?x2xf32>)
  %a, %m = engram.recall %n, %M, %T {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64}
      : (tensor<?x2xf32>, !engram.memory<4x2xf32>, !engram.trace<?x4x2xf32>) -> (tensor<?x4xf32>, tensor<?x2xf32>)
  // CHECK: engram.integrate %[[N]], %[[R]], %{{.*}} : (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<6x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  %h2 = engram.integrate %n, %m, %h, %ki, %bi, %ko, %b
      : (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<6x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  // CHECK: engram.hebbian_update %{{.*}}, %[[A]], %[[N]] {clip = 1.000000e-01 : f64, learning_rate = 5.000000e-02 : f64} : (!engram.trace<?x4x2xf32>, tensor<?x4xf32>, tensor<?x2xf32>) -> !engram.trace<?x4x2xf32>
  %T2 = engram.hebbian_update %T, %a, %n {learning_rate = 0.05 : f64, clip = 0.1 : f64}
      : (!engram.trace<?x4x2xf32>, tensor<?x4xf32>, tensor<?x2xf32>) -> !engram.trace<?x4x2xf32>
  return %h2, %T2 : tensor<?x2xf32>, !engram.trace<?x4x2xf32>
}

// -----

// A shared (batch_mean) trace, initialized from a tensor, and a zero one.
// CHECK-LABEL: func.func @trace_init
func.func @trace_init(%init: tensor<4x2xf32>, %batch: index)
    -> (!engram.trace<4x2xf32>, !engram.trace<?x4x2xf32>, !engram.trace<3x4x2xf32>) {
  // CHECK: engram.trace_init from %{{.*}} : tensor<4x2xf32> : !engram.trace<4x2xf32>
  %shared = engram.trace_init from %init : tensor<4x2xf32> : !engram.trace<4x2xf32>
  // CHECK: engram.trace_init batch %{{.*}} : !engram.trace<?x4x2xf32>
  %zeros = engram.trace_init batch %batch : !engram.trace<?x4x2xf32>
  // CHECK: engram.trace_init : !engram.trace<3x4x2xf32>
  %static = engram.trace_init : !engram.trace<3x4x2xf32>
  return %shared, %zeros, %static : !engram.trace<4x2xf32>, !engram.trace<?x4x2xf32>, !engram.trace<3x4x2xf32>
}

// -----

// A per-sequence trace resumed from a state of its own shape.
// CHECK-LABEL: func.func @trace_init_resume
func.func @trace_init_resume(%state: tensor<?x4x2xf32>, %batch: index)
    -> !engram.trace<?x4x2xf32, #engram.fixed<bits = 8, bound = 1.000000e-01>> {
  // CHECK: engram.trace_init from %{{.*}} : tensor<?x4x2xf32> batch %{{.*}} : !engram.trace<?x4x2xf32, #engram.fixed<bits = 8, bound = 1.000000e-01 : f64>>
  %t = engram.trace_init from %state : tensor<?x4x2xf32> batch %batch : !engram.trace<?x4x2xf32, #engram.fixed<bits = 8, bound = 1.000000e-01>>
  return %t : !engram.trace<?x4x2xf32, #engram.fixed<bits = 8, bound = 1.000000e-01>>
}

// -----

// CHECK-LABEL: func.func @loop
// CHECK: %[[S:.*]], %[[H:.*]], %[[T:.*]] = engram.loop %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x3xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) {
// CHECK-NEXT: ^bb0(%[[XT:.*]]: tensor<?x3xf32>, %[[HP:.*]]: tensor<?x2xf32>, %[[TP:.*]]: !engram.trace<4x2xf32>):
// CHECK: engram.yield %{{.*}}, %[[TP]] : tensor<?x2xf32>, !engram.trace<4x2xf32>
// CHECK: engram.read_trace %[[T]] : !engram.trace<4x2xf32> -> tensor<4x2xf32>
func.func @loop(%x: tensor<?x?x3xf32>, %h0: tensor<?x2xf32>, %T0: !engram.trace<4x2xf32>,
                %k: tensor<3x2xf32>, %b: tensor<2xf32>)
    -> (tensor<?x?x2xf32>, tensor<?x2xf32>, tensor<4x2xf32>) {
  %states, %h, %T = engram.loop %x, %h0, %T0
      : (tensor<?x?x3xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>)
        -> (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) {
  ^bb0(%xt: tensor<?x3xf32>, %hp: tensor<?x2xf32>, %Tp: !engram.trace<4x2xf32>):
    %z = engram.encode %xt, %k, %b : (tensor<?x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    engram.yield %z, %Tp : tensor<?x2xf32>, !engram.trace<4x2xf32>
  }
  %t = engram.read_trace %T : !engram.trace<4x2xf32> -> tensor<4x2xf32>
  return %states, %h, %t : tensor<?x?x2xf32>, tensor<?x2xf32>, tensor<4x2xf32>
}

// -----

// CHECK-LABEL: func.func @heads
func.func @heads(%s: tensor<?x?x2xf32>, %kp: tensor<2x1xf32>, %bp: tensor<1xf32>,
                 %k: tensor<2x5xf32>, %b: tensor<5xf32>)
    -> (tensor<?x5xf32>, tensor<?x2xf32>, tensor<?x?x5xf32>) {
  // CHECK: engram.pool last %{{.*}} : (tensor<?x?x2xf32>) -> tensor<?x2xf32>
  %last = engram.pool last %s : (tensor<?x?x2xf32>) -> tensor<?x2xf32>
  // CHECK: engram.pool attention %{{.*}} weights(%{{.*}}, %{{.*}}) : (tensor<?x?x2xf32>, tensor<2x1xf32>, tensor<1xf32>) -> tensor<?x2xf32>
  %att = engram.pool attention %s weights(%kp, %bp) : (tensor<?x?x2xf32>, tensor<2x1xf32>, tensor<1xf32>) -> tensor<?x2xf32>
  // CHECK: engram.readout softmax %{{.*}} : (tensor<?x2xf32>, tensor<2x5xf32>, tensor<5xf32>) -> tensor<?x5xf32>
  %y = engram.readout softmax %last, %k, %b : (tensor<?x2xf32>, tensor<2x5xf32>, tensor<5xf32>) -> tensor<?x5xf32>
  // CHECK: engram.readout linear %{{.*}} : (tensor<?x?x2xf32>, tensor<2x5xf32>, tensor<5xf32>) -> tensor<?x?x5xf32>
  %ys = engram.readout linear %s, %k, %b : (tensor<?x?x2xf32>, tensor<2x5xf32>, tensor<5xf32>) -> tensor<?x?x5xf32>
  return %y, %att, %ys : tensor<?x5xf32>, tensor<?x2xf32>, tensor<?x?x5xf32>
}

// -----

// The encoder and layer norm also apply to a whole B x S x D sequence.
// CHECK-LABEL: func.func @sequence_encode
// CHECK: engram.encode {{.*}} -> tensor<?x?x2xf32>
// CHECK: engram.layer_norm {{.*}} -> tensor<?x?x2xf32>
func.func @sequence_encode(%x: tensor<?x?x3xf32>, %k: tensor<3x2xf32>, %b: tensor<2xf32>) -> tensor<?x?x2xf32> {
  %z = engram.encode %x, %k, %b : (tensor<?x?x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<?x?x2xf32>
  %n = engram.layer_norm %z, %b, %b {epsilon = 1.0e-6 : f64} : (tensor<?x?x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x?x2xf32>
  return %n : tensor<?x?x2xf32>
}

// -----

// A bfloat16 trace prints and parses back unchanged.
// CHECK-LABEL: func.func @bf16_trace
// CHECK-SAME: !engram.trace<?x3x4xf32, #engram.bf16>
// CHECK: engram.hebbian_update {{.*}} -> !engram.trace<?x3x4xf32, #engram.bf16>
func.func @bf16_trace(%T: !engram.trace<?x3x4xf32, #engram.bf16>, %a: tensor<?x3xf32>, %n: tensor<?x4xf32>)
    -> !engram.trace<?x3x4xf32, #engram.bf16> {
  %T2 = engram.hebbian_update %T, %a, %n {learning_rate = 0.05 : f64, clip = 0.1 : f64}
      : (!engram.trace<?x3x4xf32, #engram.bf16>, tensor<?x3xf32>, tensor<?x4xf32>) -> !engram.trace<?x3x4xf32, #engram.bf16>
  return %T2 : !engram.trace<?x3x4xf32, #engram.bf16>
}

// -----

// Storage encodings: a quantized and pruned bank, a fixed-point trace and a
// top-k recall print and parse back unchanged.
// CHECK-LABEL: func.func @encodings
// CHECK-SAME: !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 1.000000e-01 : f64>>
// CHECK: engram.memory dense<{{\[}}[64, 127], [-127, 64], [1, -1]]> : tensor<3x2xi8> scales dense<[7.812500e-03, 1.562500e-02, 1.000000e+00]> : tensor<3xf32> indices dense<{{\[}}[0, 3], [0, 1], [1, 2]]> : tensor<3x2xi32> -> !engram.memory<3x4xf32, #engram.quant<bits = 8, scale = row, rounding = stochastic, seed = 3>, #engram.ell<rowEntries = 2>>
// CHECK: engram.recall {{.*}}top_k = 2 : i64
// CHECK: engram.hebbian_update {{.*}} -> !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 1.000000e-01 : f64>>
// CHECK: engram.memory dense<1> : tensor<3x4xi8> scales dense<5.000000e-01> : tensor<1xf32> -> !engram.memory<3x4xf32, #engram.quant<bits = 1, scale = tensor, rounding = nearest>>
func.func @encodings(%n: tensor<?x4xf32>, %T: !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 0.1 : f64>>)
    -> (tensor<?x4xf32>, !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 0.1 : f64>>) {
  %M = engram.memory dense<[[64, 127], [-127, 64], [1, -1]]> : tensor<3x2xi8>
      scales dense<[0.0078125, 0.015625, 1.0]> : tensor<3xf32>
      indices dense<[[0, 3], [0, 1], [1, 2]]> : tensor<3x2xi32>
      -> !engram.memory<3x4xf32, #engram.quant<bits = 8, scale = row, rounding = stochastic, seed = 3>, #engram.ell<rowEntries = 2>>
  %a, %m = engram.recall %n, %M, %T {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64, top_k = 2}
      : (tensor<?x4xf32>, !engram.memory<3x4xf32, #engram.quant<bits = 8, scale = row, rounding = stochastic, seed = 3>, #engram.ell<rowEntries = 2>>, !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 0.1 : f64>>) -> (tensor<?x3xf32>, tensor<?x4xf32>)
  %T2 = engram.hebbian_update %T, %a, %n {learning_rate = 0.05 : f64, clip = 0.1 : f64}
      : (!engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 0.1 : f64>>, tensor<?x3xf32>, tensor<?x4xf32>) -> !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 0.1 : f64>>
  %B = engram.memory dense<1> : tensor<3x4xi8> scales dense<0.5> : tensor<1xf32>
      -> !engram.memory<3x4xf32, #engram.quant<bits = 1, scale = tensor, rounding = nearest>>
  return %m, %T2 : tensor<?x4xf32>, !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 0.1 : f64>>
}
