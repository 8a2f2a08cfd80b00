// A rate-coded network with pair-based STDP on its input projection, for
// spinnaker.test: PyNN's STDPMechanism takes it.
snn.network @stdp attributes {input_width = 3 : i64, profile = #snn<profile generic>, timesteps = 8 : i64} {
  %x = snn.input "x" rate {gain = dense<1.0> : tensor<3xf64>, offset = 0 : i64} : !snn.population<3>
  %a = snn.if "a" subtract {vth = 1.0 : f64} : !snn.population<2>
  snn.plastic %x -> %a {bits = 8 : i64, exp = -6 : i64, rule = #snn.rule<"dw = 2^-2*y0*x1 - 2^-2*x0*y1">, traces = {x1 = [1.0, 0.25], y1 = [1.0, 0.25]}, w_max = 64.0 : f64, w_min = 0.0 : f64, weights = dense<[[32, 16, 8], [8, 16, 32]]> : tensor<2x3xi32>} : !snn.population<3> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}
