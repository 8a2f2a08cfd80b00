// RUN: engram-opt %s | FileCheck %s
// RUN: engram-opt %s | engram-opt | FileCheck %s

// Every op of the snn dialect, printed back as parsed. Populations may be
// used before they are declared (graph region): the recurrent projection
// names %rec first.

// CHECK-LABEL: snn.network @all
// CHECK-SAME: input_width = 4 : i64, profile = #snn<profile generic>, timesteps = 8 : i64
snn.network @all attributes {input_width = 4 : i64, profile = #snn<profile generic>, timesteps = 8 : i64} {
  // CHECK: snn.dense %rec -> %rec {bits = 8 : i64, delay = 5 : i64, exp = -3 : i64, weights = dense<{{\[}}[0, -1], [2, 0]]> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.dense %rec -> %rec {bits = 8 : i64, delay = 5 : i64, exp = -3 : i64, weights = dense<[[0, -1], [2, 0]]> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  // CHECK: %x = snn.input "x" rate {gain = dense<1.000000e+00> : tensor<3xf64>, offset = 1 : i64} : !snn.population<3>
  %x = snn.input "x" rate {gain = dense<1.0> : tensor<3xf64>, offset = 1 : i64} : !snn.population<3>
  // CHECK: %g = snn.graded "g" relu {bias = dense<[1.000000e-01, -2.000000e-01]> : tensor<2xf64>, delta = 0.000000e+00 : f64} : !snn.population<2>
  %g = snn.graded "g" relu {bias = dense<[0.1, -0.2]> : tensor<2xf64>, delta = 0.0 : f64} : !snn.population<2>
  // CHECK: %events = snn.input "events" spike {gain = dense<1.000000e+00> : tensor<1xf64>, offset = 0 : i64} : !snn.population<1>
  %events = snn.input "events" spike {gain = dense<1.0> : tensor<1xf64>, offset = 0 : i64} : !snn.population<1>
  // CHECK: %sd = snn.input "sd" graded {delta = 1.000000e-02 : f64, gain = dense<1.000000e+00> : tensor<1xf64>, offset = 3 : i64} : !snn.population<1>
  %sd = snn.input "sd" graded {delta = 0.01 : f64, gain = dense<1.0> : tensor<1xf64>, offset = 3 : i64} : !snn.population<1>
  // CHECK: %rec = snn.if "rec" subtract {vth = 1.000000e+00 : f64} : !snn.population<2>
  %rec = snn.if "rec" subtract {vth = 1.0 : f64} : !snn.population<2>
  // CHECK: %leaky = snn.lif "leaky" {du = 1.000000e+00 : f64, dv = 1.000000e-01 : f64, vth = 2.000000e+00 : f64} : !snn.population<2>
  %leaky = snn.lif "leaky" {du = 1.0 : f64, dv = 0.1 : f64, vth = 2.0 : f64} : !snn.population<2>
  // CHECK: %nir = snn.lif "nir" {du = 5.000000e-01 : f64, dv = 1.000000e-01 : f64, v_reset = dense<[-5.000000e-01, 0.000000e+00]> : tensor<2xf64>, vth = 1.000000e+00 : f64} : !snn.population<2>
  %nir = snn.lif "nir" {du = 0.5 : f64, dv = 0.1 : f64, v_reset = dense<[-0.5, 0.0]> : tensor<2xf64>, vth = 1.0 : f64} : !snn.population<2>
  // CHECK: snn.dense %leaky -> %nir {bits = 8 : i64, exp = 0 : i64, latency = 0 : i64, weights = dense<1> : tensor<2x2xi32>}
  snn.dense %leaky -> %nir {bits = 8 : i64, exp = 0 : i64, latency = 0 : i64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  // CHECK: snn.dense %leaky -> %g {bits = 24 : i64, exp = -3 : i64, geometry = [{shape = dense<2.000000e+00> : tensor<1xf64>, type = "Input"}, {padding = "same", type = "Conv1d", weight = dense<1.000000e+00> : tensor<2x1x1xf64>}], weights = dense<8> : tensor<2x2xi32>}
  snn.dense %leaky -> %g {bits = 24 : i64, exp = -3 : i64, geometry = [{shape = dense<2.0> : tensor<1xf64>, type = "Input"}, {padding = "same", type = "Conv1d", weight = dense<1.0> : tensor<2x1x1xf64>}], weights = dense<8> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  // CHECK: snn.dense %nir -> %leaky {bits = 8 : i64, exp = 0 : i64, weights = dense<1> : tensor<2x2xi32>}
  snn.dense %nir -> %leaky {bits = 8 : i64, exp = 0 : i64, latency = 1 : i64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  // CHECK: %chip = snn.lif_fixed "chip" {bias_exp = dense<[0, 3]> : tensor<2xi32>, bias_mant = dense<[5, -7]> : tensor<2xi32>, du = 4095 : i64, dv = 0 : i64, vth = 64 : i64} : !snn.population<2>
  %chip = snn.lif_fixed "chip" {bias_exp = dense<[0, 3]> : tensor<2xi32>, bias_mant = dense<[5, -7]> : tensor<2xi32>, du = 4095 : i64, dv = 0 : i64, vth = 64 : i64} : !snn.population<2>
  // CHECK: snn.dense %x -> %g {bits = 8 : i64, exp = 0 : i64, weights = dense<1> : tensor<2x3xi32>}
  snn.dense %x -> %g {bits = 8 : i64, exp = 0 : i64, weights = dense<1> : tensor<2x3xi32>} : !snn.population<3> -> !snn.population<2>
  // CHECK: snn.sparse %g -> %leaky {bits = 4 : i64, exp = -1 : i64, indices = dense<{{\[}}[0, 1], [1, 0]]> : tensor<2x2xi32>, weights = dense<[3, -2]> : tensor<2xi32>}
  snn.sparse %g -> %leaky {bits = 4 : i64, exp = -1 : i64, indices = dense<[[0, 1], [1, 0]]> : tensor<2x2xi32>, weights = dense<[3, -2]> : tensor<2xi32>} : !snn.population<2> -> !snn.population<2>
  // CHECK: snn.plastic %g -> %chip third %rec {bits = 8 : i64, exp = -4 : i64, rule = #snn.rule<"dw = 2^-4*u*x1*y3 - 3*2^-6*u*w">, traces = {x1 = [1.000000e+00, 1.000000e+00], y3 = [5.000000e-01, 2.500000e-01]}, w_max = 2.550000e+02 : f64, w_min = -2.550000e+02 : f64, weights = dense<0> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>, !snn.population<2>
  snn.plastic %g -> %chip third %rec {bits = 8 : i64, exp = -4 : i64, rule = #snn.rule<"dw = 2^-4*u*x1*y3 - 3*2^-6*u*w">, traces = {x1 = [1.0, 1.0], y3 = [0.5, 0.25]}, w_max = 255.0 : f64, w_min = -255.0 : f64, weights = dense<0> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>, !snn.population<2>
  // Learning in Loihi's integers, as Lava's LearningDense from graded spikes.
  // CHECK: snn.plastic %g -> %chip third %g {bits = 8 : i64, exp = -5 : i64, rule = #snn.rule<"dw = 3*2^-7*u*x1*y3 - 6*2^-7*u*w">, traces = {}, w_max = 2.550000e+02 : f64, w_min = -2.560000e+02 : f64, weights = dense<0> : tensor<2x2xi32>, y3_shift = 9 : i64}
  snn.plastic %g -> %chip third %g {bits = 8 : i64, exp = -5 : i64, rule = #snn.rule<"dw = 3*2^-7*u*x1*y3 - 6*2^-7*u*w">, traces = {}, w_max = 255.0 : f64, w_min = -256.0 : f64, weights = dense<0> : tensor<2x2xi32>, y3_shift = 9 : i64} : !snn.population<2> -> !snn.population<2>, !snn.population<2>
  // CHECK: snn.probe %chip rate {offset = dense<0.000000e+00> : tensor<2xf64>, scale = dense<2.000000e+00> : tensor<2xf64>} : !snn.population<2>
  snn.probe %chip rate {offset = dense<0.0> : tensor<2xf64>, scale = dense<2.0> : tensor<2xf64>} : !snn.population<2>
}

// A Loihi 2 network: fixed-point neurons and graded units, 8-bit weights,
// rule constants as m*2^e.
// CHECK-LABEL: snn.network @chip
snn.network @chip attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %x = snn.input "x" graded {gain = dense<1.0> : tensor<2xf64>, offset = 0 : i64} : !snn.population<2>
  %a = snn.graded "a" linear : !snn.population<2>
  %b = snn.lif_fixed "b" {du = 0 : i64, dv = 4095 : i64, vth = 10 : i64} : !snn.population<2>
  snn.dense %x -> %a {bits = 8 : i64, delay = 62 : i64, exp = -8 : i64, weights = dense<255> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.plastic %a -> %b {bits = 8 : i64, exp = 7 : i64, rule = #snn.rule<"dw = -7*2^-3*y0*x1 + x0*y1 - 2^-7*u0*w">, traces = {x1 = [1.0, 0.5], y1 = [1.0, 0.5]}, w_max = 10.0 : f64, w_min = 0.0 : f64, weights = dense<-256> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a last : !snn.population<2>
}
