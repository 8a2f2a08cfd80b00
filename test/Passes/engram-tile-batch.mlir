// RUN: engram-opt %s --split-input-file --engram-tile-batch=tile-size=4 | FileCheck %s
// RUN: engram-opt %s --split-input-file --engram-tile-batch="tile-size=4 destination-passing" | FileCheck %s --check-prefix=DPS

// A per-sequence model: @forward calls a private clone whose batch is 4 on
// every whole tile, then a clone whose batch is 1 on each sequence left.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x3xf32>) -> (tensor<?x2xf32>, tensor<?x4x2xf32>)
// CHECK: %[[B:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[WHOLE:.*]] = arith.muli
// CHECK: %[[R:.*]]:2 = scf.for %[[I:.*]] = %c0{{.*}} to %[[WHOLE]] step %c4{{.*}} iter_args
// CHECK: %[[TILE:.*]] = tensor.extract_slice %[[X]][%[[I]], 0, 0] [4, %{{.*}}, 3] [1, 1, 1] : tensor<?x?x3xf32> to tensor<4x?x3xf32>
// CHECK: %[[CALL:.*]]:2 = func.call @forward_tile(%[[TILE]]) : (tensor<4x?x3xf32>) -> (tensor<4x2xf32>, tensor<4x4x2xf32>)
// CHECK: tensor.insert_slice %[[CALL]]#0 into %{{.*}}[%[[I]], 0] [4, 2]
// CHECK: %[[S:.*]]:2 = scf.for %[[J:.*]] = %[[WHOLE]] to %[[B]] step %c1{{.*}} iter_args({{.*}} = %[[R]]#0, {{.*}} = %[[R]]#1)
// CHECK: func.call @forward_single(%{{.*}}) : (tensor<1x?x3xf32>) -> (tensor<1x2xf32>, tensor<1x4x2xf32>)
// CHECK: return %[[S]]#0, %[[S]]#1
// CHECK-LABEL: func.func private @forward_tile
// CHECK-SAME: (%{{.*}}: tensor<4x?x3xf32>) -> (tensor<4x2xf32>, tensor<4x4x2xf32>)
// CHECK: tensor.splat %{{.*}} : tensor<4x2xf32>
// CHECK: engram.trace_init : !engram.trace<4x4x2xf32>
// CHECK: engram.loop {{.*}} : (tensor<4x?x3xf32>, tensor<4x2xf32>, !engram.trace<4x4x2xf32>)
// CHECK: ^bb0(%{{.*}}: tensor<4x3xf32>, %{{.*}}: tensor<4x2xf32>, %{{.*}}: !engram.trace<4x4x2xf32>):
// CHECK: engram.encode {{.*}} -> tensor<4x2xf32>
// CHECK-LABEL: func.func private @forward_single
// CHECK-SAME: (%{{.*}}: tensor<1x?x3xf32>) -> (tensor<1x2xf32>, tensor<1x4x2xf32>)

// With destination passing the results are written into extra arguments.
// DPS-LABEL: func.func @forward
// DPS-SAME: (%[[X:.*]]: tensor<?x?x3xf32>, %[[O0:.*]]: tensor<?x2xf32>, %[[O1:.*]]: tensor<?x4x2xf32>)
// DPS: scf.for {{.*}} iter_args(%{{.*}} = %[[O0]], %{{.*}} = %[[O1]])
func.func @forward(%x: tensor<?x?x3xf32>) -> (tensor<?x2xf32>, tensor<?x4x2xf32>) {
  %c0 = arith.constant 0 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x3xf32>
  %zero = arith.constant 0.0 : f32
  %h0 = tensor.splat %zero[%b] : tensor<?x2xf32>
  %t0 = engram.trace_init batch %b : !engram.trace<?x4x2xf32>
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

// A shared (batch_mean) trace couples the sequences: left alone.
// CHECK-LABEL: func.func @shared
// CHECK-NOT: func.call
// CHECK-NOT: _tile
func.func @shared(%x: tensor<?x?x3xf32>) -> tensor<?x2xf32> {
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
  return %h : tensor<?x2xf32>
}
