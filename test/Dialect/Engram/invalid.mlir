// RUN: engram-opt %s --split-input-file --verify-diagnostics

// expected-error @+1 {{memory bank must have shape NxH (slots x width), got rank 3}}
func.func @memory_rank(%m: !engram.memory<2x4x2xf32>)

// -----

// expected-error @+1 {{expected static shape}}
func.func @memory_dynamic(%m: !engram.memory<?x2xf32>)

// -----

// expected-error @+1 {{memory bank element type must be a float type, got 'i32'}}
func.func @memory_element(%m: !engram.memory<4x2xi32>)

// -----

// expected-error @+1 {{trace must have shape NxH (shared, batch_mean) or BxNxH (per_sequence), got rank 1}}
func.func @trace_rank(%t: !engram.trace<4xf32>)

// -----

// expected-error @+1 {{trace batch size must be positive or dynamic}}
func.func @trace_batch(%t: !engram.trace<0x4x2xf32>)

// -----

// expected-error @+1 {{trace slots and width must be static and positive}}
func.func @trace_slots(%t: !engram.trace<?x?x2xf32>)

// -----

func.func @memory_value_shape() {
  // expected-error @+1 {{'engram.memory' op value must have shape 4x2 (slots x width of the result), got 4x3}}
  %m = engram.memory dense<1.0> : tensor<4x3xf32> -> !engram.memory<4x2xf32>
  return
}

// -----

func.func @memory_value_element() {
  // expected-error @+1 {{'engram.memory' op value element type 'f64' does not match the memory bank's 'f32'}}
  %m = engram.memory dense<1.0> : tensor<4x2xf64> -> !engram.memory<4x2xf32>
  return
}

// -----

func.func @trace_init_shape(%init: tensor<4x3xf32>, %b: index) {
  // expected-error @+1 {{'engram.trace_init' op init must have shape 4x2 (slots x width), got 4x3}}
  %t = engram.trace_init from %init : tensor<4x3xf32> batch %b : !engram.trace<?x4x2xf32>
  return
}

// -----

func.func @trace_init_resume_shape(%init: tensor<?x4x3xf32>, %b: index) {
  // expected-error @+1 {{'engram.trace_init' op init must have shape ?x4x2 (the shape of the trace), got ?x4x3}}
  %t = engram.trace_init from %init : tensor<?x4x3xf32> batch %b : !engram.trace<?x4x2xf32>
  return
}

// -----

func.func @trace_init_element(%init: tensor<4x2xf64>, %b: index) {
  // expected-error @+1 {{'engram.trace_init' op operands and results must share one element type, got 'f64' and 'f32'}}
  %t = engram.trace_init from %init : tensor<4x2xf64> batch %b : !engram.trace<?x4x2xf32>
  return
}

// -----

func.func @trace_init_needs_batch() {
  // expected-error @+1 {{'engram.trace_init' op a per-sequence trace with a dynamic batch needs the batch size operand}}
  %t = engram.trace_init : !engram.trace<?x4x2xf32>
  return
}

// -----

func.func @trace_init_shared_batch(%b: index) {
  // expected-error @+1 {{'engram.trace_init' op batch operand given for a trace whose batch is shared}}
  %t = engram.trace_init batch %b : !engram.trace<4x2xf32>
  return
}

// -----

func.func @read_trace_shape(%t: !engram.trace<?x4x2xf32>) {
  // expected-error @+1 {{'engram.read_trace' op result must have shape ?x4x2 (the shape of the trace), got ?x2x4}}
  %v = engram.read_trace %t : !engram.trace<?x4x2xf32> -> tensor<?x2x4xf32>
  return
}

// -----

func.func @encode_rank(%x: tensor<3xf32>, %k: tensor<3x2xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{'engram.encode' op input must be BxD or BxSxD, got 3}}
  %z = engram.encode %x, %k, %b : (tensor<3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

func.func @encode_kernel(%x: tensor<?x3xf32>, %k: tensor<4x2xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{'engram.encode' op kernel must have shape 3x? (input width x hidden width), got 4x2}}
  %z = engram.encode %x, %k, %b : (tensor<?x3xf32>, tensor<4x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @encode_bias(%x: tensor<?x3xf32>, %k: tensor<3x2xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{'engram.encode' op bias must have shape 2 (hidden width), got 5}}
  %z = engram.encode %x, %k, %b : (tensor<?x3xf32>, tensor<3x2xf32>, tensor<5xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @encode_result(%x: tensor<7x3xf32>, %k: tensor<3x2xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{'engram.encode' op result must have shape 7x2 (the input with its last dimension encoded), got 6x2}}
  %z = engram.encode %x, %k, %b : (tensor<7x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<6x2xf32>
  return
}

// -----

func.func @encode_element(%x: tensor<?x3xf64>, %k: tensor<3x2xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{'engram.encode' op operands and results must share one element type, got 'f64' and 'f32'}}
  %z = engram.encode %x, %k, %b : (tensor<?x3xf64>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @layer_norm_gamma(%v: tensor<?x2xf32>, %g: tensor<3xf32>) {
  // expected-error @+1 {{'engram.layer_norm' op gamma must have shape 2 (the normalized width), got 3}}
  %n = engram.layer_norm %v, %g, %g {epsilon = 1.0e-6 : f64} : (tensor<?x2xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @layer_norm_beta(%v: tensor<?x2xf32>, %g: tensor<2xf32>, %b: tensor<1xf32>) {
  // expected-error @+1 {{'engram.layer_norm' op beta must have shape 2 (the normalized width), got 1}}
  %n = engram.layer_norm %v, %g, %b {epsilon = 1.0e-6 : f64} : (tensor<?x2xf32>, tensor<2xf32>, tensor<1xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @layer_norm_result(%v: tensor<?x2xf32>, %g: tensor<2xf32>) {
  // expected-error @+1 {{'engram.layer_norm' op result must have shape ?x2 (the shape of the input), got ?x3}}
  %n = engram.layer_norm %v, %g, %g {epsilon = 1.0e-6 : f64} : (tensor<?x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x3xf32>
  return
}

// -----

func.func @layer_norm_epsilon(%v: tensor<?x2xf32>, %g: tensor<2xf32>) {
  // expected-error @+1 {{'engram.layer_norm' op epsilon must be finite and > 0, got 0}}
  %n = engram.layer_norm %v, %g, %g {epsilon = 0.0 : f64} : (tensor<?x2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @recall_trace(%z: tensor<?x2xf32>, %m: !engram.memory<4x2xf32>, %t: !engram.trace<?x5x2xf32>) {
  // expected-error @+1 {{'engram.recall' op trace ?x5x2 does not match the memory bank 4x2}}
  %a, %r = engram.recall %z, %m, %t {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64}
      : (tensor<?x2xf32>, !engram.memory<4x2xf32>, !engram.trace<?x5x2xf32>) -> (tensor<?x4xf32>, tensor<?x2xf32>)
  return
}

// -----

func.func @recall_query(%z: tensor<?x3xf32>, %m: !engram.memory<4x2xf32>, %t: !engram.trace<?x4x2xf32>) {
  // expected-error @+1 {{'engram.recall' op query must have shape ?x2 (batch x width of the memory bank), got ?x3}}
  %a, %r = engram.recall %z, %m, %t {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64}
      : (tensor<?x3xf32>, !engram.memory<4x2xf32>, !engram.trace<?x4x2xf32>) -> (tensor<?x4xf32>, tensor<?x3xf32>)
  return
}

// -----

func.func @recall_batch(%z: tensor<3x2xf32>, %m: !engram.memory<4x2xf32>, %t: !engram.trace<5x4x2xf32>) {
  // expected-error @+1 {{'engram.recall' op query must have shape 5x2 (batch x width of the memory bank), got 3x2}}
  %a, %r = engram.recall %z, %m, %t {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64}
      : (tensor<3x2xf32>, !engram.memory<4x2xf32>, !engram.trace<5x4x2xf32>) -> (tensor<3x4xf32>, tensor<3x2xf32>)
  return
}

// -----

func.func @recall_weights(%z: tensor<?x2xf32>, %m: !engram.memory<4x2xf32>, %t: !engram.trace<4x2xf32>) {
  // expected-error @+1 {{'engram.recall' op weights must have shape ?x4 (batch x memory slots), got ?x2}}
  %a, %r = engram.recall %z, %m, %t {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64}
      : (tensor<?x2xf32>, !engram.memory<4x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>)
  return
}

// -----

func.func @recall_recalled(%z: tensor<?x2xf32>, %m: !engram.memory<4x2xf32>, %t: !engram.trace<4x2xf32>) {
  // expected-error @+1 {{'engram.recall' op recalled must have shape ?x2 (batch x width), got ?x4}}
  %a, %r = engram.recall %z, %m, %t {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64}
      : (tensor<?x2xf32>, !engram.memory<4x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>)
  return
}

// -----

func.func @recall_temperature(%z: tensor<?x2xf32>, %m: !engram.memory<4x2xf32>, %t: !engram.trace<4x2xf32>) {
  // expected-error @+1 {{'engram.recall' op temperature must be finite and > 0, got -1}}
  %a, %r = engram.recall %z, %m, %t {scale_factor = 0.5 : f64, temperature = -1.0 : f64, sparsity_strength = 0.1 : f64}
      : (tensor<?x2xf32>, !engram.memory<4x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x4xf32>, tensor<?x2xf32>)
  return
}

// -----

func.func @recall_sparsity(%z: tensor<?x2xf32>, %m: !engram.memory<4x2xf32>, %t: !engram.trace<4x2xf32>) {
  // expected-error @+1 {{'engram.recall' op sparsity_strength must be finite and >= 0, got -5.000000e-01}}
  %a, %r = engram.recall %z, %m, %t {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = -0.5 : f64}
      : (tensor<?x2xf32>, !engram.memory<4x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x4xf32>, tensor<?x2xf32>)
  return
}

// -----

func.func @recall_scale(%z: tensor<?x2xf32>, %m: !engram.memory<4x2xf32>, %t: !engram.trace<4x2xf32>) {
  // expected-error @+1 {{'engram.recall' op scale_factor must be finite}}
  %a, %r = engram.recall %z, %m, %t {scale_factor = 0x7FF0000000000000 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64}
      : (tensor<?x2xf32>, !engram.memory<4x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x4xf32>, tensor<?x2xf32>)
  return
}

// -----

func.func @integrate_kernel(%v: tensor<?x2xf32>, %ki: tensor<6x5xf32>, %bi: tensor<6xf32>, %ko: tensor<6x2xf32>, %bo: tensor<2xf32>) {
  // expected-error @+1 {{'engram.integrate' op integrator_kernel must have shape 6x6 (3H x 3H for the concatenation [z, m, h]), got 6x5}}
  %h = engram.integrate %v, %v, %v, %ki, %bi, %ko, %bo
      : (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<6x5xf32>, tensor<6xf32>, tensor<6x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @integrate_bias(%v: tensor<?x2xf32>, %ki: tensor<6x6xf32>, %bi: tensor<5xf32>, %ko: tensor<6x2xf32>, %bo: tensor<2xf32>) {
  // expected-error @+1 {{'engram.integrate' op integrator_bias must have shape 6 (3H), got 5}}
  %h = engram.integrate %v, %v, %v, %ki, %bi, %ko, %bo
      : (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<6x6xf32>, tensor<5xf32>, tensor<6x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @integrate_output_kernel(%v: tensor<?x2xf32>, %ki: tensor<6x6xf32>, %bi: tensor<6xf32>, %ko: tensor<2x6xf32>, %bo: tensor<2xf32>) {
  // expected-error @+1 {{'engram.integrate' op output_kernel must have shape 6x2 (3H x H), got 2x6}}
  %h = engram.integrate %v, %v, %v, %ki, %bi, %ko, %bo
      : (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<2x6xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @integrate_output_bias(%v: tensor<?x2xf32>, %ki: tensor<6x6xf32>, %bi: tensor<6xf32>, %ko: tensor<6x2xf32>, %bo: tensor<6xf32>) {
  // expected-error @+1 {{'engram.integrate' op output_bias must have shape 2 (H), got 6}}
  %h = engram.integrate %v, %v, %v, %ki, %bi, %ko, %bo
      : (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<6x2xf32>, tensor<6xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @integrate_encoded(%v: tensor<?x2xf32>, %z: tensor<?x3xf32>, %ki: tensor<6x6xf32>, %bi: tensor<6xf32>, %ko: tensor<6x2xf32>, %bo: tensor<2xf32>) {
  // expected-error @+1 {{'engram.integrate' op encoded must have shape ?x2 (batch x hidden width), got ?x3}}
  %h = engram.integrate %z, %v, %v, %ki, %bi, %ko, %bo
      : (tensor<?x3xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<6x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @integrate_recalled(%v: tensor<4x2xf32>, %m: tensor<3x2xf32>, %ki: tensor<6x6xf32>, %bi: tensor<6xf32>, %ko: tensor<6x2xf32>, %bo: tensor<2xf32>) {
  // expected-error @+1 {{'engram.integrate' op recalled must have shape 4x2 (batch x hidden width), got 3x2}}
  %h = engram.integrate %v, %m, %v, %ki, %bi, %ko, %bo
      : (tensor<4x2xf32>, tensor<3x2xf32>, tensor<4x2xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<6x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @integrate_dynamic_width(%v: tensor<?x?xf32>, %ki: tensor<6x6xf32>, %bi: tensor<6xf32>, %ko: tensor<6x2xf32>, %bo: tensor<2xf32>) {
  // expected-error @+1 {{'engram.integrate' op hidden width must be static}}
  %h = engram.integrate %v, %v, %v, %ki, %bi, %ko, %bo
      : (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?x?xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<6x2xf32>, tensor<2xf32>) -> tensor<?x?xf32>
  return
}

// -----

func.func @integrate_result(%v: tensor<?x2xf32>, %ki: tensor<6x6xf32>, %bi: tensor<6xf32>, %ko: tensor<6x2xf32>, %bo: tensor<2xf32>) {
  // expected-error @+1 {{'engram.integrate' op result must have shape ?x2 (batch x hidden width), got ?x6}}
  %h = engram.integrate %v, %v, %v, %ki, %bi, %ko, %bo
      : (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<6x2xf32>, tensor<2xf32>) -> tensor<?x6xf32>
  return
}

// -----

func.func @hebbian_result(%t: !engram.trace<?x4x2xf32>, %a: tensor<?x4xf32>, %z: tensor<?x2xf32>) {
  // expected-error @+1 {{'engram.hebbian_update' op result type '!engram.trace<4x2xf32>' must equal the trace type '!engram.trace<?x4x2xf32>'}}
  %n = engram.hebbian_update %t, %a, %z {learning_rate = 0.05 : f64, clip = 0.1 : f64}
      : (!engram.trace<?x4x2xf32>, tensor<?x4xf32>, tensor<?x2xf32>) -> !engram.trace<4x2xf32>
  return
}

// -----

func.func @hebbian_weights(%t: !engram.trace<?x4x2xf32>, %a: tensor<?x3xf32>, %z: tensor<?x2xf32>) {
  // expected-error @+1 {{'engram.hebbian_update' op weights must have shape ?x4 (batch x memory slots), got ?x3}}
  %n = engram.hebbian_update %t, %a, %z {learning_rate = 0.05 : f64, clip = 0.1 : f64}
      : (!engram.trace<?x4x2xf32>, tensor<?x3xf32>, tensor<?x2xf32>) -> !engram.trace<?x4x2xf32>
  return
}

// -----

func.func @hebbian_encoded(%t: !engram.trace<4x2xf32>, %a: tensor<5x4xf32>, %z: tensor<6x2xf32>) {
  // expected-error @+1 {{'engram.hebbian_update' op encoded must have shape 5x2 (batch x hidden width), got 6x2}}
  %n = engram.hebbian_update %t, %a, %z {learning_rate = 0.05 : f64, clip = 0.1 : f64}
      : (!engram.trace<4x2xf32>, tensor<5x4xf32>, tensor<6x2xf32>) -> !engram.trace<4x2xf32>
  return
}

// -----

func.func @hebbian_rate(%t: !engram.trace<4x2xf32>, %a: tensor<?x4xf32>, %z: tensor<?x2xf32>) {
  // expected-error @+1 {{'engram.hebbian_update' op learning_rate must be in [0, 1], got 1.500000e+00}}
  %n = engram.hebbian_update %t, %a, %z {learning_rate = 1.5 : f64, clip = 0.1 : f64}
      : (!engram.trace<4x2xf32>, tensor<?x4xf32>, tensor<?x2xf32>) -> !engram.trace<4x2xf32>
  return
}

// -----

func.func @hebbian_clip(%t: !engram.trace<4x2xf32>, %a: tensor<?x4xf32>, %z: tensor<?x2xf32>) {
  // expected-error @+1 {{'engram.hebbian_update' op clip must be finite and > 0, got 0}}
  %n = engram.hebbian_update %t, %a, %z {learning_rate = 0.05 : f64, clip = 0.0 : f64}
      : (!engram.trace<4x2xf32>, tensor<?x4xf32>, tensor<?x2xf32>) -> !engram.trace<4x2xf32>
  return
}

// -----

func.func @loop_input_rank(%x: tensor<?x3xf32>, %h0: tensor<?x2xf32>, %t0: !engram.trace<4x2xf32>) {
  // expected-error @+1 {{'engram.loop' op input must be BxSxF, got ?x3}}
  %s, %h, %t = engram.loop %x, %h0, %t0 : (tensor<?x3xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) {
  ^bb0(%xt: tensor<?x3xf32>, %hp: tensor<?x2xf32>, %tp: !engram.trace<4x2xf32>):
    engram.yield %hp, %tp : tensor<?x2xf32>, !engram.trace<4x2xf32>
  }
  return
}

// -----

func.func @loop_hidden_batch(%x: tensor<3x?x3xf32>, %h0: tensor<4x2xf32>, %t0: !engram.trace<4x2xf32>) {
  // expected-error @+1 {{'engram.loop' op init_hidden must have shape 3x? (batch of the input x H), got 4x2}}
  %s, %h, %t = engram.loop %x, %h0, %t0 : (tensor<3x?x3xf32>, tensor<4x2xf32>, !engram.trace<4x2xf32>) -> (tensor<3x?x2xf32>, tensor<4x2xf32>, !engram.trace<4x2xf32>) {
  ^bb0(%xt: tensor<3x3xf32>, %hp: tensor<4x2xf32>, %tp: !engram.trace<4x2xf32>):
    engram.yield %hp, %tp : tensor<4x2xf32>, !engram.trace<4x2xf32>
  }
  return
}

// -----

func.func @loop_trace_batch(%x: tensor<3x?x3xf32>, %h0: tensor<3x2xf32>, %t0: !engram.trace<5x4x2xf32>) {
  // expected-error @+1 {{'engram.loop' op per-sequence trace batch 5 does not match the input batch 3}}
  %s, %h, %t = engram.loop %x, %h0, %t0 : (tensor<3x?x3xf32>, tensor<3x2xf32>, !engram.trace<5x4x2xf32>) -> (tensor<3x?x2xf32>, tensor<3x2xf32>, !engram.trace<5x4x2xf32>) {
  ^bb0(%xt: tensor<3x3xf32>, %hp: tensor<3x2xf32>, %tp: !engram.trace<5x4x2xf32>):
    engram.yield %hp, %tp : tensor<3x2xf32>, !engram.trace<5x4x2xf32>
  }
  return
}

// -----

func.func @loop_trace_width(%x: tensor<?x?x3xf32>, %h0: tensor<?x2xf32>, %t0: !engram.trace<4x5xf32>) {
  // expected-error @+1 {{'engram.loop' op trace width 5 does not match the hidden width 2}}
  %s, %h, %t = engram.loop %x, %h0, %t0 : (tensor<?x?x3xf32>, tensor<?x2xf32>, !engram.trace<4x5xf32>) -> (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<4x5xf32>) {
  ^bb0(%xt: tensor<?x3xf32>, %hp: tensor<?x2xf32>, %tp: !engram.trace<4x5xf32>):
    engram.yield %hp, %tp : tensor<?x2xf32>, !engram.trace<4x5xf32>
  }
  return
}

// -----

func.func @loop_states(%x: tensor<?x?x3xf32>, %h0: tensor<?x2xf32>, %t0: !engram.trace<4x2xf32>) {
  // expected-error @+1 {{'engram.loop' op states must have shape ?x?x2 (batch x steps x hidden width), got ?x?x3}}
  %s, %h, %t = engram.loop %x, %h0, %t0 : (tensor<?x?x3xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x?x3xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) {
  ^bb0(%xt: tensor<?x3xf32>, %hp: tensor<?x2xf32>, %tp: !engram.trace<4x2xf32>):
    engram.yield %hp, %tp : tensor<?x2xf32>, !engram.trace<4x2xf32>
  }
  return
}

// -----

func.func @loop_final(%x: tensor<?x?x3xf32>, %h0: tensor<?x2xf32>, %t0: !engram.trace<4x2xf32>) {
  // expected-error @+1 {{'engram.loop' op final state types must equal the initial ones}}
  %s, %h, %t = engram.loop %x, %h0, %t0 : (tensor<?x?x3xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x?x2xf32>, tensor<3x2xf32>, !engram.trace<4x2xf32>) {
  ^bb0(%xt: tensor<?x3xf32>, %hp: tensor<?x2xf32>, %tp: !engram.trace<4x2xf32>):
    engram.yield %hp, %tp : tensor<?x2xf32>, !engram.trace<4x2xf32>
  }
  return
}

// -----

func.func @loop_body_args(%x: tensor<?x?x3xf32>, %h0: tensor<?x2xf32>, %t0: !engram.trace<4x2xf32>) {
  // expected-error @+1 {{'engram.loop' op body must take (x_t: 'tensor<?x3xf32>', h: 'tensor<?x2xf32>', T: '!engram.trace<4x2xf32>')}}
  %s, %h, %t = engram.loop %x, %h0, %t0 : (tensor<?x?x3xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) {
  ^bb0(%xt: tensor<?x?x3xf32>, %hp: tensor<?x2xf32>, %tp: !engram.trace<4x2xf32>):
    engram.yield %hp, %tp : tensor<?x2xf32>, !engram.trace<4x2xf32>
  }
  return
}

// -----

func.func @loop_yield(%x: tensor<?x?x3xf32>, %h0: tensor<?x2xf32>, %t0: !engram.trace<4x2xf32>) {
  %s, %h, %t = engram.loop %x, %h0, %t0 : (tensor<?x?x3xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) -> (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<4x2xf32>) {
  ^bb0(%xt: tensor<?x3xf32>, %hp: tensor<?x2xf32>, %tp: !engram.trace<4x2xf32>):
    // expected-error @+1 {{'engram.yield' op must yield the new (h, T) with types ('tensor<?x2xf32>', '!engram.trace<4x2xf32>')}}
    engram.yield %hp : tensor<?x2xf32>
  }
  return
}

// -----

func.func @yield_outside(%v: tensor<?x2xf32>) {
  // expected-error @+1 {{'engram.yield' op expects parent op 'engram.loop'}}
  engram.yield %v : tensor<?x2xf32>
}

// -----

func.func @pool_rank(%s: tensor<?x2xf32>) {
  // expected-error @+1 {{'engram.pool' op states must be BxSxH, got ?x2}}
  %p = engram.pool last %s : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @pool_attention_weights(%s: tensor<?x?x2xf32>) {
  // expected-error @+1 {{'engram.pool' op attention pooling needs weights(kernel, bias)}}
  %p = engram.pool attention %s : (tensor<?x?x2xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @pool_last_weights(%s: tensor<?x?x2xf32>, %k: tensor<2x1xf32>, %b: tensor<1xf32>) {
  // expected-error @+1 {{'engram.pool' op last pooling takes no weights}}
  %p = engram.pool last %s weights(%k, %b) : (tensor<?x?x2xf32>, tensor<2x1xf32>, tensor<1xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @pool_kernel(%s: tensor<?x?x2xf32>, %k: tensor<1x2xf32>, %b: tensor<1xf32>) {
  // expected-error @+1 {{'engram.pool' op kernel must have shape 2x1 (H x 1), got 1x2}}
  %p = engram.pool attention %s weights(%k, %b) : (tensor<?x?x2xf32>, tensor<1x2xf32>, tensor<1xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @pool_bias(%s: tensor<?x?x2xf32>, %k: tensor<2x1xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{'engram.pool' op bias must have shape 1 (1), got 2}}
  %p = engram.pool attention %s weights(%k, %b) : (tensor<?x?x2xf32>, tensor<2x1xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @pool_result(%s: tensor<?x?x2xf32>) {
  // expected-error @+1 {{'engram.pool' op result must have shape ?x2 (batch x hidden width), got ?x?x2}}
  %p = engram.pool last %s : (tensor<?x?x2xf32>) -> tensor<?x?x2xf32>
  return
}

// -----

func.func @pool_sequence_result(%s: tensor<?x?x2xf32>) {
  // expected-error @+1 {{'engram.pool' op result must have shape ?x?x2 (the shape of the states), got ?x2}}
  %p = engram.pool sequence %s : (tensor<?x?x2xf32>) -> tensor<?x2xf32>
  return
}

// -----

func.func @readout_kernel(%v: tensor<?x2xf32>, %k: tensor<3x5xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{'engram.readout' op kernel must have shape 2x? (hidden width x units), got 3x5}}
  %y = engram.readout softmax %v, %k, %b : (tensor<?x2xf32>, tensor<3x5xf32>, tensor<5xf32>) -> tensor<?x5xf32>
  return
}

// -----

func.func @readout_bias(%v: tensor<?x2xf32>, %k: tensor<2x5xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'engram.readout' op bias must have shape 5 (units), got 4}}
  %y = engram.readout softmax %v, %k, %b : (tensor<?x2xf32>, tensor<2x5xf32>, tensor<4xf32>) -> tensor<?x5xf32>
  return
}

// -----

func.func @readout_result(%v: tensor<?x?x2xf32>, %k: tensor<2x5xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{'engram.readout' op result must have shape ?x?x5 (the input with its last dimension read out), got ?x5}}
  %y = engram.readout linear %v, %k, %b : (tensor<?x?x2xf32>, tensor<2x5xf32>, tensor<5xf32>) -> tensor<?x5xf32>
  return
}

// -----

func.func @readout_rank(%v: tensor<2xf32>, %k: tensor<2x5xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{'engram.readout' op input must be BxH or BxSxH, got 2}}
  %y = engram.readout linear %v, %k, %b : (tensor<2xf32>, tensor<2x5xf32>, tensor<5xf32>) -> tensor<5xf32>
  return
}

// -----

// expected-error @+1 {{a quantized memory bank has 8, 4 or 1 bits, got 2}}
func.func @quant_bits(%m: !engram.memory<3x4xf32, #engram.quant<bits = 2, scale = row, rounding = nearest>>) {
  return
}

// -----

// expected-error @+1 {{a seed only applies to stochastic rounding}}
func.func @quant_seed(%m: !engram.memory<3x4xf32, #engram.quant<bits = 8, scale = row, rounding = nearest, seed = 4>>) {
  return
}

// -----

// expected-error @+1 {{a fixed-point trace has 4, 8 or 16 bits, got 12}}
func.func @fixed_bits(%t: !engram.trace<?x3x4xf32, #engram.fixed<bits = 12, bound = 0.1 : f64>>) {
  return
}

// -----

// expected-error @+1 {{a trace takes at most one storage encoding (#engram.fixed or #engram.bf16), got #engram.bf16}}
func.func @fixed_and_bf16(%t: !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 0.1 : f64>, #engram.bf16>) {
  return
}

// -----

// expected-error @+1 {{a bfloat16 trace computes in f32, got element type 'f64'}}
func.func @bf16_f64(%t: !engram.trace<?x3x4xf64, #engram.bf16>) {
  return
}

// -----

// expected-error @+1 {{a binary trace cannot accumulate Hebbian}}
func.func @fixed_binary(%t: !engram.trace<?x3x4xf32, #engram.fixed<bits = 1, bound = 0.1 : f64>>) {
  return
}

// -----

// expected-error @+1 {{the bound of a fixed-point trace must be finite}}
func.func @fixed_bound(%t: !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = -1.0 : f64>>) {
  return
}

// -----

// expected-error @+1 {{a pruned memory bank keeps between 1 and 4 entries per row, got 5}}
func.func @ell_entries(%m: !engram.memory<3x4xf32, #engram.ell<rowEntries = 5>>) {
  return
}

// -----

// expected-error @+1 {{a memory bank takes at most one #engram.quant and one}}
func.func @two_quants(%m: !engram.memory<3x4xf32, #engram.quant<bits = 8, scale = row, rounding = nearest>, #engram.quant<bits = 4, scale = row, rounding = nearest>>) {
  return
}

// -----

// expected-error @+1 {{a trace takes at most one storage encoding (#engram.fixed or #engram.bf16)}}
func.func @trace_quant(%t: !engram.trace<?x3x4xf32, #engram.quant<bits = 8, scale = row, rounding = nearest>>) {
  return
}

// -----

func.func @quant_float_values() {
  // expected-error @+1 {{'engram.memory' op a quantized bank stores i8 values, got 'f32'}}
  %M = engram.memory dense<1.0> : tensor<3x4xf32> scales dense<0.5> : tensor<3xf32>
      -> !engram.memory<3x4xf32, #engram.quant<bits = 8, scale = row, rounding = nearest>>
  return
}

// -----

func.func @quant_range() {
  // expected-error @+1 {{'engram.memory' op value -8 is outside the}}
  %M = engram.memory dense<-8> : tensor<3x4xi8> scales dense<0.5> : tensor<3xf32>
      -> !engram.memory<3x4xf32, #engram.quant<bits = 4, scale = row, rounding = nearest>>
  return
}

// -----

func.func @binary_range() {
  // expected-error @+1 {{'engram.memory' op value 0 is outside the binary values ±1}}
  %M = engram.memory dense<0> : tensor<3x4xi8> scales dense<0.5> : tensor<3xf32>
      -> !engram.memory<3x4xf32, #engram.quant<bits = 1, scale = row, rounding = nearest>>
  return
}

// -----

func.func @quant_no_scales() {
  // expected-error @+1 {{'engram.memory' op a quantized bank needs scales}}
  %M = engram.memory dense<1> : tensor<3x4xi8>
      -> !engram.memory<3x4xf32, #engram.quant<bits = 8, scale = row, rounding = nearest>>
  return
}

// -----

func.func @quant_scale_shape() {
  // expected-error @+1 {{'engram.memory' op scales must be tensor<1xf32> (one per tensor)}}
  %M = engram.memory dense<1> : tensor<3x4xi8> scales dense<0.5> : tensor<3xf32>
      -> !engram.memory<3x4xf32, #engram.quant<bits = 8, scale = tensor, rounding = nearest>>
  return
}

// -----

func.func @quant_scale_value() {
  // expected-error @+1 {{'engram.memory' op scales must be finite and > 0}}
  %M = engram.memory dense<1> : tensor<3x4xi8> scales dense<[0.5, 0.0, 0.5]> : tensor<3xf32>
      -> !engram.memory<3x4xf32, #engram.quant<bits = 8, scale = row, rounding = nearest>>
  return
}

// -----

func.func @scales_unquantized() {
  // expected-error @+1 {{'engram.memory' op scales given for a bank that is not quantized}}
  %M = engram.memory dense<1.0> : tensor<3x4xf32> scales dense<0.5> : tensor<3xf32>
      -> !engram.memory<3x4xf32>
  return
}

// -----

func.func @ell_no_indices() {
  // expected-error @+1 {{'engram.memory' op a pruned bank needs indices of type tensor<3x2xi32>}}
  %M = engram.memory dense<1.0> : tensor<3x2xf32>
      -> !engram.memory<3x4xf32, #engram.ell<rowEntries = 2>>
  return
}

// -----

func.func @ell_indices_order() {
  // expected-error @+1 {{'engram.memory' op indices of row 1 must be increasing columns in [0, 4)}}
  %M = engram.memory dense<1.0> : tensor<3x2xf32> indices dense<[[0, 1], [2, 2], [0, 3]]> : tensor<3x2xi32>
      -> !engram.memory<3x4xf32, #engram.ell<rowEntries = 2>>
  return
}

// -----

func.func @indices_dense() {
  // expected-error @+1 {{'engram.memory' op indices given for a bank that is not pruned}}
  %M = engram.memory dense<1.0> : tensor<3x4xf32> indices dense<0> : tensor<3x4xi32>
      -> !engram.memory<3x4xf32>
  return
}

// -----

func.func @top_k_range(%n: tensor<?x4xf32>, %M: !engram.memory<3x4xf32>, %T: !engram.trace<?x3x4xf32>) {
  // expected-error @+1 {{'engram.recall' op top_k must be in [1, 3], got 4}}
  %a, %m = engram.recall %n, %M, %T {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64, top_k = 4}
      : (tensor<?x4xf32>, !engram.memory<3x4xf32>, !engram.trace<?x3x4xf32>) -> (tensor<?x3xf32>, tensor<?x4xf32>)
  return
}

// -----

func.func @fixed_bound_clip(%T: !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 0.2 : f64>>, %a: tensor<?x3xf32>, %n: tensor<?x4xf32>) {
  // expected-error @+1 {{'engram.hebbian_update' op a fixed-point trace saturates at its bound 2.000000e-01, which must be the clip 1.000000e-01}}
  %T2 = engram.hebbian_update %T, %a, %n {learning_rate = 0.05 : f64, clip = 0.1 : f64}
      : (!engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 0.2 : f64>>, tensor<?x3xf32>, tensor<?x4xf32>) -> !engram.trace<?x3x4xf32, #engram.fixed<bits = 8, bound = 0.2 : f64>>
  return
}

// -----

func.func @fixed_shared(%T: !engram.trace<3x4xf32, #engram.fixed<bits = 8, bound = 0.1 : f64>>, %a: tensor<?x3xf32>, %n: tensor<?x4xf32>) {
  // expected-error @+1 {{'engram.hebbian_update' op a fixed-point trace must be per-sequence}}
  %T2 = engram.hebbian_update %T, %a, %n {learning_rate = 0.05 : f64, clip = 0.1 : f64}
      : (!engram.trace<3x4xf32, #engram.fixed<bits = 8, bound = 0.1 : f64>>, tensor<?x3xf32>, tensor<?x4xf32>) -> !engram.trace<3x4xf32, #engram.fixed<bits = 8, bound = 0.1 : f64>>
  return
}
