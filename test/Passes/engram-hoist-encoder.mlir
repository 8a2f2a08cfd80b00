// RUN: engram-opt %s --split-input-file --engram-hoist-encoder | FileCheck %s

// The encoder and LN1 move before the loop and run on the whole sequence;
// the body receives the encoded step.
// CHECK-LABEL: func.func @hoist_with_layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x3xf32>, %[[H0:.*]]: tensor<?x2xf32>, %[[T0:.*]]: !engram.trace<4x2xf32>, %[[K:.*]]: tensor<3x2xf32>, %[[B:.*]]: tensor<2xf32>)
// CHECK: %[[Z:.*]] = engram.encode %[[X]], %[[K]], %[[B]] : (tensor<?x?x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<?x?x2xf32>
// CHECK: %[[N:.*]] = engram.layer_norm %[[Z]], %[[B]], %[[B]] {epsilon = {{.*}}} : (tensor<?x?x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x?x2xf32>
// CHECK: engram.loop %[[N]], %[[H0]], %[[T0]] : (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>)
// CHECK-NEXT: ^bb0(%[[ZT:.*]]: tensor<?x2xf32>, %[[HP:.*]]: tensor<?x2xf32>, %{{.*}}: !engram.trace<4x2xf32>):
// CHECK-NOT: engram.encode
// CHECK-NOT: engram.layer_norm
// CHECK: engram.yield %[[ZT]], %{{.*}}
func.func @hoist_with_layer_norm(%x: tensor<?x?x3xf32>, %h0: tensor<?x2xf32>, %t0: !engram.trace<4x2xf32>,
                                 %k: tensor<3x2xf32>, %b: tensor<2xf32>) -> tensor<?x?x2xf32> {
  %s, %h, %t = engram.loop %x, %h0, %t0 : (tensor<?x?x3xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) {
  ^bb0(%xt: tensor<?x3xf32>, %hp: tensor<?x2xf32>, %tp: !engram.trace<4x2xf32>):
    %z = engram.encode %xt, %k, %b : (tensor<?x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    %n = engram.layer_norm %z, %b, %b {epsilon = 1.0e-6 : f64} : (tensor<?x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    engram.yield %n, %tp : tensor<?x2xf32>, !engram.trace<4x2xf32>
  }
  return %s : tensor<?x?x2xf32>
}

// -----

// Without layer norm only the encoder moves.
// CHECK-LABEL: func.func @hoist_encoder_only
// CHECK: %[[Z:.*]] = engram.encode {{.*}} -> tensor<?x?x2xf32>
// CHECK-NOT: engram.layer_norm
// CHECK: engram.loop %[[Z]]
// CHECK-NOT: engram.encode
func.func @hoist_encoder_only(%x: tensor<?x?x3xf32>, %h0: tensor<?x2xf32>, %t0: !engram.trace<4x2xf32>,
                              %k: tensor<3x2xf32>, %b: tensor<2xf32>) -> tensor<?x?x2xf32> {
  %s, %h, %t = engram.loop %x, %h0, %t0 : (tensor<?x?x3xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) {
  ^bb0(%xt: tensor<?x3xf32>, %hp: tensor<?x2xf32>, %tp: !engram.trace<4x2xf32>):
    %z = engram.encode %xt, %k, %b : (tensor<?x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    engram.yield %z, %tp : tensor<?x2xf32>, !engram.trace<4x2xf32>
  }
  return %s : tensor<?x?x2xf32>
}

// -----

// A layer norm that is not the encoding's only user stays in the loop.
// CHECK-LABEL: func.func @keep_shared_norm
// CHECK: engram.encode {{.*}} -> tensor<?x?x2xf32>
// CHECK: engram.loop
// CHECK: engram.layer_norm {{.*}} -> tensor<?x2xf32>
func.func @keep_shared_norm(%x: tensor<?x?x3xf32>, %h0: tensor<?x2xf32>, %t0: !engram.trace<4x2xf32>,
                            %k: tensor<3x2xf32>, %b: tensor<2xf32>, %ki: tensor<6x6xf32>, %bi: tensor<6xf32>, %ko: tensor<6x2xf32>) -> tensor<?x?x2xf32> {
  %s, %h, %t = engram.loop %x, %h0, %t0 : (tensor<?x?x3xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) {
  ^bb0(%xt: tensor<?x3xf32>, %hp: tensor<?x2xf32>, %tp: !engram.trace<4x2xf32>):
    %z = engram.encode %xt, %k, %b : (tensor<?x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    %n = engram.layer_norm %z, %b, %b {epsilon = 1.0e-6 : f64} : (tensor<?x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    %g = engram.integrate %n, %z, %hp, %ki, %bi, %ko, %b : (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<6x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    engram.yield %g, %tp : tensor<?x2xf32>, !engram.trace<4x2xf32>
  }
  return %s : tensor<?x?x2xf32>
}

// -----

// A step input with another user cannot be replaced by its encoding.
// CHECK-LABEL: func.func @keep_when_step_reused
// CHECK: engram.loop %{{.*}} : (tensor<?x?x2xf32>
// CHECK: engram.encode {{.*}} -> tensor<?x2xf32>
func.func @keep_when_step_reused(%x: tensor<?x?x2xf32>, %h0: tensor<?x2xf32>, %t0: !engram.trace<4x2xf32>,
                                 %k: tensor<2x2xf32>, %b: tensor<2xf32>, %ki: tensor<6x6xf32>, %bi: tensor<6xf32>, %ko: tensor<6x2xf32>) -> tensor<?x?x2xf32> {
  %s, %h, %t = engram.loop %x, %h0, %t0 : (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) {
  ^bb0(%xt: tensor<?x2xf32>, %hp: tensor<?x2xf32>, %tp: !engram.trace<4x2xf32>):
    %z = engram.encode %xt, %k, %b : (tensor<?x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    %g = engram.integrate %z, %xt, %hp, %ki, %bi, %ko, %b : (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<6x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    engram.yield %g, %tp : tensor<?x2xf32>, !engram.trace<4x2xf32>
  }
  return %s : tensor<?x?x2xf32>
}

// -----

// Weights computed inside the loop cannot be hoisted.
// CHECK-LABEL: func.func @keep_inner_weights
// CHECK: engram.loop
// CHECK: engram.encode {{.*}} -> tensor<?x2xf32>
func.func @keep_inner_weights(%x: tensor<?x?x3xf32>, %h0: tensor<?x2xf32>, %t0: !engram.trace<4x2xf32>,
                              %b: tensor<2xf32>) -> tensor<?x?x2xf32> {
  %s, %h, %t = engram.loop %x, %h0, %t0 : (tensor<?x?x3xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) {
  ^bb0(%xt: tensor<?x3xf32>, %hp: tensor<?x2xf32>, %tp: !engram.trace<4x2xf32>):
    %k = arith.constant dense<0.5> : tensor<3x2xf32>
    %z = engram.encode %xt, %k, %b : (tensor<?x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    engram.yield %z, %tp : tensor<?x2xf32>, !engram.trace<4x2xf32>
  }
  return %s : tensor<?x?x2xf32>
}
