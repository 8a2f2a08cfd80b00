// RUN: engram-opt %s --split-input-file --convert-engram-to-linalg | FileCheck %s

// The encoder is a matmul on the broadcast bias, then relu.
// CHECK-LABEL: func.func @encode
// CHECK-SAME: (%[[X:.*]]: tensor<?x3xf32>, %[[K:.*]]: tensor<3x2xf32>, %[[B:.*]]: tensor<2xf32>)
// CHECK: %[[INIT:.*]] = linalg.broadcast ins(%[[B]] : tensor<2xf32>) outs(%{{.*}} : tensor<?x2xf32>) dimensions = [0]
// CHECK: %[[MM:.*]] = linalg.matmul ins(%[[X]], %[[K]] : tensor<?x3xf32>, tensor<3x2xf32>) outs(%[[INIT]] : tensor<?x2xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[MM]] : tensor<?x2xf32>)
// CHECK: arith.maximumf
// CHECK-NOT: engram.
func.func @encode(%x: tensor<?x3xf32>, %k: tensor<3x2xf32>, %b: tensor<2xf32>) -> tensor<?x2xf32> {
  %z = engram.encode %x, %k, %b : (tensor<?x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  return %z : tensor<?x2xf32>
}

// -----

// A whole-sequence encoder (after engram-hoist-encoder) is a contraction
// over the last dimension of a rank-3 tensor.
// CHECK-LABEL: func.func @encode_sequence
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<?x?x3xf32>, tensor<3x2xf32>)
func.func @encode_sequence(%x: tensor<?x?x3xf32>, %k: tensor<3x2xf32>, %b: tensor<2xf32>) -> tensor<?x?x2xf32> {
  %z = engram.encode %x, %k, %b : (tensor<?x?x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<?x?x2xf32>
  return %z : tensor<?x?x2xf32>
}

// -----

// Recall of a per-sequence trace fused with its Hebbian update: one pass
// computes |E_n|² and E_n·z, a second the recalled memory and, in the same
// generic, the new trace written into the old one.
// CHECK-LABEL: func.func @recall_and_update
// CHECK-SAME: (%[[Z:.*]]: tensor<?x2xf32>, %[[T:.*]]: tensor<?x4x2xf32>)
// CHECK: %[[M:.*]] = arith.constant dense<5.000000e-01> : tensor<4x2xf32>
// CHECK: %[[SIMS:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[M]], %[[T]], %[[Z]] : tensor<4x2xf32>, tensor<?x4x2xf32>, tensor<?x2xf32>)
// CHECK: math.exp
// CHECK: %[[PASS2:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]} ins(%{{.*}}, %[[M]], %[[Z]] : tensor<?x4xf32>, tensor<4x2xf32>, tensor<?x2xf32>) outs(%{{.*}}, %[[T]] : tensor<?x2xf32>, tensor<?x4x2xf32>)
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: return %[[PASS2]]#0, %[[PASS2]]#1 : tensor<?x2xf32>, tensor<?x4x2xf32>
func.func @recall_and_update(%z: tensor<?x2xf32>, %T: !engram.trace<?x4x2xf32>) -> (tensor<?x2xf32>, !engram.trace<?x4x2xf32>) {
  %M = engram.memory dense<0.5> : tensor<4x2xf32> -> !engram.memory<4x2xf32>
  %a, %m = engram.recall %z, %M, %T {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64}
      : (tensor<?x2xf32>, !engram.memory<4x2xf32>, !engram.trace<?x4x2xf32>) -> (tensor<?x4xf32>, tensor<?x2xf32>)
  %T2 = engram.hebbian_update %T, %a, %z {learning_rate = 0.05 : f64, clip = 0.1 : f64}
      : (!engram.trace<?x4x2xf32>, tensor<?x4xf32>, tensor<?x2xf32>) -> !engram.trace<?x4x2xf32>
  return %m, %T2 : tensor<?x2xf32>, !engram.trace<?x4x2xf32>
}

// -----

// A shared trace is not fused: the update takes the batch mean of a ⊗ z,
// scaled by η / B with B read from the weights.
// CHECK-LABEL: func.func @shared_trace
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME: outs(%{{.*}} : tensor<?x2xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "parallel"]}
// CHECK-SAME: outs(%{{.*}} : tensor<4x2xf32>)
// CHECK: %[[B:.*]] = tensor.dim
// CHECK: %[[BF:.*]] = arith.uitofp
// CHECK: arith.divf %{{.*}}, %[[BF]] : f32
func.func @shared_trace(%z: tensor<?x2xf32>, %T: !engram.trace<4x2xf32>) -> (tensor<?x2xf32>, !engram.trace<4x2xf32>) {
  %M = engram.memory dense<0.5> : tensor<4x2xf32> -> !engram.memory<4x2xf32>
  %a, %m = engram.recall %z, %M, %T {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64}
      : (tensor<?x2xf32>, !engram.memory<4x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x4xf32>, tensor<?x2xf32>)
  %T2 = engram.hebbian_update %T, %a, %z {learning_rate = 0.05 : f64, clip = 0.1 : f64}
      : (!engram.trace<4x2xf32>, tensor<?x4xf32>, tensor<?x2xf32>) -> !engram.trace<4x2xf32>
  return %m, %T2 : tensor<?x2xf32>, !engram.trace<4x2xf32>
}

// -----

// The time loop becomes an scf.for over the steps carrying (h, T, states).
// CHECK-LABEL: func.func @loop
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x3xf32>, %[[H0:.*]]: tensor<?x2xf32>, %[[T0:.*]]: tensor<4x2xf32>
// CHECK: %[[S:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[STATES:.*]] = tensor.empty
// CHECK: %[[FOR:.*]]:3 = scf.for %[[STEP:.*]] = %{{.*}} to %[[S]] step %{{.*}} iter_args(%[[H:.*]] = %[[H0]], %[[T:.*]] = %[[T0]], %[[ACC:.*]] = %[[STATES]])
// CHECK: %[[XT:.*]] = tensor.extract_slice %[[X]][0, %[[STEP]], 0] [%{{.*}}, 1, 3] [1, 1, 1] : tensor<?x?x3xf32> to tensor<?x3xf32>
// CHECK: linalg.matmul ins(%[[XT]]
// CHECK: %[[STORED:.*]] = tensor.insert_slice %[[NEXT:.*]] into %[[ACC]][0, %[[STEP]], 0]
// CHECK: scf.yield %[[NEXT]], %[[T]], %[[STORED]]
// CHECK: return %[[FOR]]#2, %[[FOR]]#0
func.func @loop(%x: tensor<?x?x3xf32>, %h0: tensor<?x2xf32>, %T0: !engram.trace<4x2xf32>,
                %k: tensor<3x2xf32>, %b: tensor<2xf32>) -> (tensor<?x?x2xf32>, tensor<?x2xf32>) {
  %states, %h, %T = engram.loop %x, %h0, %T0
      : (tensor<?x?x3xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>)
        -> (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) {
  ^bb0(%xt: tensor<?x3xf32>, %hp: tensor<?x2xf32>, %Tp: !engram.trace<4x2xf32>):
    %z = engram.encode %xt, %k, %b : (tensor<?x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    engram.yield %z, %Tp : tensor<?x2xf32>, !engram.trace<4x2xf32>
  }
  return %states, %h : tensor<?x?x2xf32>, tensor<?x2xf32>
}

// -----

// Heads: the last state is a slice; attention uses tanh scores and a
// softmax over the steps; the softmax readout normalizes exp.
// CHECK-LABEL: func.func @heads
// CHECK-SAME: (%[[S:.*]]: tensor<?x?x2xf32>
// CHECK: %[[LAST:.*]] = arith.subi %{{.*}}, %c1
// CHECK: tensor.extract_slice %[[S]][0, %[[LAST]], 0] [%{{.*}}, 1, 2] [1, 1, 1] : tensor<?x?x2xf32> to tensor<?x2xf32>
// CHECK: math.tanh
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK: linalg.matmul
// CHECK: math.exp
// CHECK: arith.divf
func.func @heads(%s: tensor<?x?x2xf32>, %kp: tensor<2x1xf32>, %bp: tensor<1xf32>,
                 %k: tensor<2x5xf32>, %b: tensor<5xf32>) -> (tensor<?x2xf32>, tensor<?x5xf32>) {
  %last = engram.pool last %s : (tensor<?x?x2xf32>) -> tensor<?x2xf32>
  %att = engram.pool attention %s weights(%kp, %bp) : (tensor<?x?x2xf32>, tensor<2x1xf32>, tensor<1xf32>) -> tensor<?x2xf32>
  %y = engram.readout softmax %att, %k, %b : (tensor<?x2xf32>, tensor<2x5xf32>, tensor<5xf32>) -> tensor<?x5xf32>
  return %last, %y : tensor<?x2xf32>, tensor<?x5xf32>
}

// -----

// Initial traces: a per-sequence one broadcasts the initial value over the
// batch; a zero one is a fill; read_trace is the tensor itself.
// CHECK-LABEL: func.func @trace_init
// CHECK-SAME: (%[[INIT:.*]]: tensor<4x2xf32>, %[[B:.*]]: index)
// CHECK: %[[E:.*]] = tensor.empty(%[[B]]) : tensor<?x4x2xf32>
// CHECK: %[[T:.*]] = linalg.broadcast ins(%[[INIT]] : tensor<4x2xf32>) outs(%[[E]] : tensor<?x4x2xf32>) dimensions = [0]
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<4x2xf32>)
// CHECK: return %[[T]], %[[Z]]
func.func @trace_init(%init: tensor<4x2xf32>, %batch: index) -> (tensor<?x4x2xf32>, tensor<4x2xf32>) {
  %t = engram.trace_init from %init : tensor<4x2xf32> batch %batch : !engram.trace<?x4x2xf32>
  %s = engram.trace_init : !engram.trace<4x2xf32>
  %tv = engram.read_trace %t : !engram.trace<?x4x2xf32> -> tensor<?x4x2xf32>
  %sv = engram.read_trace %s : !engram.trace<4x2xf32> -> tensor<4x2xf32>
  return %tv, %sv : tensor<?x4x2xf32>, tensor<4x2xf32>
}

// -----

// Compressed storage: the pruned int8 bank is densified and dequantized once
// (q·scale); a fixed-point trace is an i8 tensor read as q·(δ·s) (δ·s =
// 0.1/127·0.5); top-k recall ranks every logit (ties: lower slot first) and
// keeps ranks < k; the Hebbian update decays by multiply-and-shift
// (D = round(0.95·2^15) = 31130) in 16-bit lanes, as x = 2q's rounded
// multiply-high (the high half of x·D plus bit 15 of the low half), and adds
// round(η/δ·a·z) (η/δ = 0.05·127/0.1 = 63.5) clamped to ±(2^15 − 1 − 2^7),
// saturating at ±127.
// CHECK-LABEL: func.func @compressed
// CHECK-SAME: (%{{.*}}: tensor<?x4xf32>, %[[T:.*]]: tensor<?x3x4xi8>) -> (tensor<?x4xf32>, tensor<?x3x4xi8>)
// CHECK: %[[Q:.*]] = arith.constant dense<{{\[}}[64, 0, 0, 127], [-127, 64, 0, 0], [0, 0, 0, 0]]> : tensor<3x4xi8>
// CHECK: %[[S:.*]] = arith.constant dense<[0.00787401571, 0.0157480314, 1.17549435E-38]> : tensor<3xf32>
// CHECK: %[[M:.*]] = linalg.generic {{.*}} ins(%[[Q]], %[[S]] : tensor<3x4xi8>, tensor<3xf32>)
// CHECK: arith.sitofp
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}} ins(%[[M]], %[[T]], %{{.*}} : tensor<3x4xf32>, tensor<?x3x4xi8>, tensor<?x4xf32>)
// CHECK: arith.sitofp %{{.*}} : i8 to f32
// CHECK: arith.constant 3.93700786E-4 : f32
// CHECK: %[[RANK:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpi ult
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[RANK]] :
// CHECK: math.exp
// CHECK: arith.constant 2.000000e+00 : f32
// CHECK: arith.cmpf olt
// CHECK: arith.select
// CHECK: outs(%{{.*}}, %[[T]] : tensor<?x4xf32>, tensor<?x3x4xi8>)
// CHECK: %[[Q16:.*]] = arith.extsi %{{.*}} : i8 to i16
// CHECK: %[[X:.*]] = arith.shli %[[Q16]], %{{.*}} : i16
// CHECK: %[[X32:.*]] = arith.extsi %[[X]] : i16 to i32
// CHECK: arith.constant 31130 : i32
// CHECK: %[[P:.*]] = arith.muli %[[X32]], %{{.*}} : i32
// CHECK: arith.constant 16 : i32
// CHECK: %[[S16:.*]] = arith.shrsi %[[P]], %{{.*}} : i32
// CHECK: %[[HIGH:.*]] = arith.trunci %[[S16]] : i32 to i16
// CHECK: %[[LOW:.*]] = arith.muli %[[X]], %{{.*}} : i16
// CHECK: arith.constant 15 : i16
// CHECK: %[[CARRY:.*]] = arith.shrui %[[LOW]], %{{.*}} : i16
// CHECK: arith.addi %[[HIGH]], %[[CARRY]] : i16
// CHECK: arith.constant 6.350000e+01 : f32
// CHECK: math.round
// CHECK: arith.constant 3.263900e+04 : f32
// CHECK: arith.fptosi %{{.*}} : f32 to i16
// CHECK: arith.constant -127 : i16
// CHECK: arith.constant 127 : i16
// CHECK: arith.trunci %{{.*}} : i16 to i8
func.func @compressed(%n: tensor<?x4xf32>, %T: !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 0.1 : f64>>)
    -> (tensor<?x4xf32>, !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 0.1 : f64>>) {
  %M = engram.memory dense<[[64, 127], [-127, 64], [0, 0]]> : tensor<3x2xi8>
      scales dense<[0.00787401571, 0.0157480314, 1.17549435E-38]> : tensor<3xf32>
      indices dense<[[0, 3], [0, 1], [0, 1]]> : tensor<3x2xi32>
      -> !engram.memory<3x4xf32, #engram.quant<bits = 8, scale = row, rounding = nearest>, #engram.ell<rowEntries = 2>>
  %a, %m = engram.recall %n, %M, %T {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64, top_k = 2}
      : (tensor<?x4xf32>, !engram.memory<3x4xf32, #engram.quant<bits = 8, scale = row, rounding = nearest>, #engram.ell<rowEntries = 2>>, !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 0.1 : f64>>) -> (tensor<?x3xf32>, tensor<?x4xf32>)
  %T2 = engram.hebbian_update %T, %a, %n {learning_rate = 0.05 : f64, clip = 0.1 : f64}
      : (!engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 0.1 : f64>>, tensor<?x3xf32>, tensor<?x4xf32>) -> !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 0.1 : f64>>
  return %m, %T2 : tensor<?x4xf32>, !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 0.1 : f64>>
}
