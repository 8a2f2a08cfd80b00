// RUN: engram-opt %s --split-input-file --verify-diagnostics

// Every verifier error of the snn dialect: the ops' own checks, then the
// network's (names, probe, input width) and those of the loihi2 and
// spinnaker profiles.
snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  // expected-error @+1 {{a population needs at least one neuron, not 0}}
  %z = snn.graded "z" relu : !snn.population<0>
  %a = snn.graded "a" relu : !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  // expected-error @+1 {{needs a non-empty name}}
  %z = snn.graded "" relu : !snn.population<2>
  %a = snn.graded "a" relu : !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  // expected-error @+1 {{'gain' must be a vector of 2 floats, one per neuron}}
  %x = snn.input "x" rate {gain = dense<1.0> : tensor<3xf64>, offset = 0 : i64} : !snn.population<2>
  %a = snn.graded "a" relu : !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  // expected-error @+1 {{v_reset must be below vth (1.000000e+00), not 1.000000e+00}}
  %l = snn.lif "l" {du = 1.0 : f64, dv = 0.5 : f64, v_reset = dense<[0.0, 1.0]> : tensor<2xf64>, vth = 1.0 : f64} : !snn.population<2>
  snn.probe %l rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %x = snn.input "x" graded {gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  %a = snn.graded "a" linear : !snn.population<2>
  // expected-error @+1 {{latency must be 0 or 1, not 2}}
  snn.dense %x -> %a {bits = 8 : i64, exp = 0 : i64, latency = 2 : i64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %x = snn.input "x" graded {gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  %a = snn.graded "a" linear : !snn.population<2>
  // expected-error @+1 {{delivers within its timestep (latency 0, no delay), so its pre population must be defined before its post population}}
  snn.sparse %a -> %a {bits = 8 : i64, exp = 0 : i64, indices = dense<[[0, 1]]> : tensor<1x2xi32>, latency = 0 : i64, weights = dense<[1]> : tensor<1xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %x = snn.input "x" graded {gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  %a = snn.graded "a" linear : !snn.population<2>
  // expected-error @+1 {{geometry starts with one "Input" entry}}
  snn.dense %x -> %a {bits = 8 : i64, exp = 0 : i64, geometry = [{type = "Conv1d"}], weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %x = snn.input "x" graded {gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  %a = snn.graded "a" linear : !snn.population<2>
  // expected-error @+1 {{geometry entry 1: 'stride' is neither a float tensor nor a string}}
  snn.dense %x -> %a {bits = 8 : i64, exp = 0 : i64, geometry = [{type = "Input"}, {type = "Conv1d", stride = 2 : i64}], weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %x = snn.input "x" rate {gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  %a = snn.graded "a" relu : !snn.population<2>
  // expected-error @+1 {{loihi2: synapses deliver one timestep later (latency 1), not within the timestep}}
  snn.dense %x -> %a {bits = 8 : i64, exp = 0 : i64, latency = 0 : i64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  // expected-error @+1 {{dv must be in [0, 1], not 1.5}}
  %l = snn.lif "l" {du = 1.0 : f64, dv = 1.5 : f64, vth = 1.0 : f64} : !snn.population<2>
  %a = snn.graded "a" relu : !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  // expected-error @+1 {{vth must be positive}}
  %i = snn.if "i" zero {vth = 0.0 : f64} : !snn.population<2>
  %a = snn.graded "a" relu : !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  // expected-error @+1 {{needs both bias_mant and bias_exp, or neither}}
  %f = snn.lif_fixed "f" {bias_mant = dense<1> : tensor<2xi32>, du = 0 : i64, dv = 0 : i64, vth = 1 : i64} : !snn.population<2>
  %a = snn.graded "a" relu : !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  // expected-error @+1 {{vth must be in [0, 2^17), got 200000}}
  %f = snn.lif_fixed "f" {du = 0 : i64, dv = 0 : i64, vth = 200000 : i64} : !snn.population<2>
  %a = snn.graded "a" relu : !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %x = snn.input "x" rate {gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  %a = snn.graded "a" relu : !snn.population<2>
  // expected-error @+1 {{'weights' must be a 2x2 tensor of integers}}
  snn.dense %x -> %a {bits = 8 : i64, exp = 0 : i64, weights = dense<1> : tensor<2x3xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %x = snn.input "x" rate {gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  %a = snn.graded "a" relu : !snn.population<2>
  // expected-error @+1 {{weight 256 does not fit in 8 bits (range -256..255)}}
  snn.dense %x -> %a {bits = 8 : i64, exp = 0 : i64, weights = dense<256> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %x = snn.input "x" rate {gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  %a = snn.graded "a" relu : !snn.population<2>
  // expected-error @+1 {{cannot project into a source (snn.input)}}
  snn.dense %a -> %x {bits = 8 : i64, exp = 0 : i64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %x = snn.input "x" rate {gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  %a = snn.graded "a" relu : !snn.population<2>
  // expected-error @+1 {{synapse (0, 1) is listed twice}}
  snn.sparse %x -> %a {bits = 8 : i64, exp = 0 : i64, indices = dense<[[0, 1], [0, 1]]> : tensor<2x2xi32>, weights = dense<1> : tensor<2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %x = snn.input "x" rate {gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  %a = snn.graded "a" relu : !snn.population<2>
  // expected-error @+1 {{synapse 0 (2, 0) is outside the 2x2 populations}}
  snn.sparse %x -> %a {bits = 8 : i64, exp = 0 : i64, indices = dense<[[2, 0]]> : tensor<1x2xi32>, weights = dense<1> : tensor<1xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  // expected-error @+1 {{term 1 of 'dw = x1' has no dependency (x0, y0 or u)}}
  snn.plastic %b -> %a {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = x1">, traces = {x1 = [1.0, 1.0]}, w_max = 1.0 : f64, w_min = -1.0 : f64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  // expected-error @+1 {{unknown factor 'q'}}
  snn.plastic %b -> %a {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = u*q">, traces = {x1 = [1.0, 1.0]}, w_max = 1.0 : f64, w_min = -1.0 : f64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  // expected-error @+1 {{the rule uses y1 but 'traces' does not define it}}
  snn.plastic %b -> %a {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = u*y1">, traces = {x1 = [1.0, 1.0]}, w_max = 1.0 : f64, w_min = -1.0 : f64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  // expected-error @+1 {{the rule uses y3, which needs a 'third' population}}
  snn.plastic %b -> %a {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = u*y3">, traces = {y3 = [1.0, 1.0]}, w_max = 1.0 : f64, w_min = -1.0 : f64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  %c = snn.graded "c" relu : !snn.population<3>
  // expected-error @+1 {{the third-factor population has 3 neurons; it drives the 2 post neurons one to one}}
  snn.plastic %b -> %a third %c {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = u*y3">, traces = {y3 = [1.0, 1.0]}, w_max = 1.0 : f64, w_min = -1.0 : f64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>, !snn.population<3>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  %c = snn.graded "c" relu : !snn.population<2>
  // expected-error @+1 {{y3_shift must be in 0..23 (payloads have 24 bits), not 24}}
  snn.plastic %b -> %a third %c {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = 3*2^-7*u*x1*y3 - 6*2^-7*u*w">, traces = {}, w_max = 255.0 : f64, w_min = -256.0 : f64, weights = dense<0> : tensor<2x2xi32>, y3_shift = 24 : i64} : !snn.population<2> -> !snn.population<2>, !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}


// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  %c = snn.input "c" rate {gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  // expected-error @+1 {{with y3_shift the pre and third populations send graded payloads, which x1 and y3 take}}
  snn.plastic %b -> %a third %c {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = 3*2^-7*u*x1*y3">, traces = {}, w_max = 255.0 : f64, w_min = -256.0 : f64, weights = dense<0> : tensor<2x2xi32>, y3_shift = 4 : i64} : !snn.population<2> -> !snn.population<2>, !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}
// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  %c = snn.graded "c" relu : !snn.population<2>
  // expected-error @+1 {{with y3_shift the traces are Loihi's (x1 from the payload, y3 from the third factor): 'traces' must be empty}}
  snn.plastic %b -> %a third %c {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = 3*2^-7*u*x1*y3 - 6*2^-7*u*w">, traces = {x1 = [1.0, 1.0]}, w_max = 255.0 : f64, w_min = -256.0 : f64, weights = dense<0> : tensor<2x2xi32>, y3_shift = 4 : i64} : !snn.population<2> -> !snn.population<2>, !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  %c = snn.graded "c" relu : !snn.population<2>
  // expected-error @+1 {{y3_shift needs a 'third' population, whose payloads y3 carries}}
  snn.plastic %b -> %a {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = 3*2^-7*u*x1 - 6*2^-7*u*w">, traces = {}, w_max = 255.0 : f64, w_min = -256.0 : f64, weights = dense<0> : tensor<2x2xi32>, y3_shift = 4 : i64} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  %c = snn.graded "c" relu : !snn.population<2>
  // expected-error @+1 {{learning in Loihi's integers (y3_shift): 'dw = 2^-2*x0*x1' must depend on u (Loihi's epoch)}}
  snn.plastic %b -> %a third %c {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = 2^-2*x0*x1">, traces = {}, w_max = 255.0 : f64, w_min = -256.0 : f64, weights = dense<0> : tensor<2x2xi32>, y3_shift = 4 : i64} : !snn.population<2> -> !snn.population<2>, !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  %c = snn.graded "c" relu : !snn.population<2>
  // expected-error @+1 {{learning in Loihi's integers (y3_shift): 'dw = 2^-2*u*y1' uses y1; only x1, y3 and w learn in Loihi's integers}}
  snn.plastic %b -> %a third %c {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = 2^-2*u*y1">, traces = {}, w_max = 255.0 : f64, w_min = -256.0 : f64, weights = dense<0> : tensor<2x2xi32>, y3_shift = 4 : i64} : !snn.population<2> -> !snn.population<2>, !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  %c = snn.graded "c" relu : !snn.population<2>
  // expected-error @+1 {{learning in Loihi's integers (y3_shift): 'dw = 0.3*u*x1' needs a constant m*2^e with m in -8..7 and e in -7..8}}
  snn.plastic %b -> %a third %c {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = 0.3*u*x1">, traces = {}, w_max = 255.0 : f64, w_min = -256.0 : f64, weights = dense<0> : tensor<2x2xi32>, y3_shift = 4 : i64} : !snn.population<2> -> !snn.population<2>, !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  %c = snn.graded "c" relu : !snn.population<2>
  // expected-error @+1 {{with y3_shift the weights are bounded by Lava's range only: w_min = -256, w_max = 255}}
  snn.plastic %b -> %a third %c {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = 3*2^-7*u*x1*y3 - 6*2^-7*u*w">, traces = {}, w_max = 255.0 : f64, w_min = -10.0 : f64, weights = dense<0> : tensor<2x2xi32>, y3_shift = 4 : i64} : !snn.population<2> -> !snn.population<2>, !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  // expected-error @+1 {{trace 'x1' needs a finite impulse and a decay in [0, 1]}}
  snn.plastic %b -> %a {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = u*x1">, traces = {x1 = [1.0, 2.0]}, w_max = 1.0 : f64, w_min = -1.0 : f64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  // expected-error @+1 {{w_min must not exceed w_max}}
  snn.plastic %b -> %a {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = u*x1">, traces = {x1 = [1.0, 1.0]}, w_max = 1.0 : f64, w_min = 2.0 : f64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  // expected-error @+1 {{'scale' must be a vector of 2 floats, one per neuron}}
  snn.probe %a rate {scale = dense<1.0> : tensor<3xf64>} : !snn.population<2>
}

// -----

// expected-error @+1 {{needs exactly one snn.probe (the output), not 0}}
snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  // expected-error @+1 {{population name 'a' is used twice}}
  %a2 = snn.graded "a" relu : !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  // expected-error @+1 {{source 'x' reads features 1..2 of an input of width 2}}
  %x = snn.input "x" rate {gain = dense<1.0> : tensor<2xf64>, offset = 1 : i64} : !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  // expected-error @+1 {{loihi2 runs fixed-point neurons: population 'i' must be snn.lif_fixed or snn.graded}}
  %i = snn.if "i" subtract {vth = 1.0 : f64} : !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %x = snn.input "x" rate {gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  %a = snn.graded "a" relu : !snn.population<2>
  // expected-error @+1 {{loihi2: weights have at most 8 bits, not 9}}
  snn.dense %x -> %a {bits = 9 : i64, exp = 0 : i64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %x = snn.input "x" rate {gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  %a = snn.graded "a" relu : !snn.population<2>
  // expected-error @+1 {{loihi2: the weight exponent is in -8..7, not -9}}
  snn.dense %x -> %a {bits = 8 : i64, exp = -9 : i64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %x = snn.input "x" rate {gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  %a = snn.graded "a" relu : !snn.population<2>
  // expected-error @+1 {{loihi2: delays are at most 62 timesteps, not 63}}
  snn.dense %x -> %a {bits = 8 : i64, delay = 63 : i64, exp = 0 : i64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  // expected-error @+1 {{loihi2: learning-rule constants are m*2^e with m in -8..7 and e in -7..8, as Lava's rule parser takes them; rewrite the constants of 'dw = 0.05*u*x1'}}
  snn.plastic %b -> %a {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = 0.05*u*x1">, traces = {x1 = [1.0, 1.0]}, w_max = 1.0 : f64, w_min = -1.0 : f64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  // expected-error @+1 {{loihi2: learning-rule constants are m*2^e with m in -8..7 and e in -7..8, as Lava's rule parser takes them; rewrite the constants of 'dw = 13*2^-8*u*x1'}}
  snn.plastic %b -> %a {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = 13*2^-8*u0*x1">, traces = {x1 = [1.0, 1.0]}, w_max = 1.0 : f64, w_min = -1.0 : f64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile spinnaker>, timesteps = 4 : i64} {
  // expected-error @+1 {{spinnaker: population 'a' must be snn.lif or snn.if (no fixed-point or graded neurons)}}
  %a = snn.graded "a" relu : !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile spinnaker>, timesteps = 4 : i64} {
  %a = snn.if "a" subtract {vth = 1.0 : f64} : !snn.population<2>
  // expected-error @+1 {{spinnaker: source 'x' must send spikes (rate or spike), not graded events}}
  %x = snn.input "x" graded {gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  // expected-error @+1 {{only graded sources are sigma-delta coded ('delta')}}
  %x = snn.input "x" rate {delta = 0.0 : f64, gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  snn.probe %x rate : !snn.population<2>
}

// -----

snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile generic>, timesteps = 4 : i64} {
  // expected-error @+1 {{the sigma-delta threshold 'delta' must be >= 0}}
  %a = snn.graded "a" relu {delta = -1.0 : f64} : !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}
