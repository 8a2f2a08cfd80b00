snn.network @n attributes {input_width = 2 : i64, profile = #snn<profile loihi2>, timesteps = 4 : i64} {
  %a = snn.graded "a" relu : !snn.population<2>
  %b = snn.graded "b" relu : !snn.population<2>
  // expected-error @+1 {{loihi2: learning-rule constants are m*2^e with m in -8..7 and e in -7..8, as Lava's rule parser takes them; rewrite the constants of 'dw = 13*2^-8*u0*x1'}}
  snn.plastic %b -> %a {bits = 8 : i64, exp = 0 : i64, rule = #snn.rule<"dw = 13*2^8-u0**x1">, traces = {x1 = [1.0, 1.0]}, w_max = 1.0 : f64, w_min = -1.0 : f64, weights = dense<1> : tensor<2x2xi32>} : !snn.population<2> -> !snn.population<2>
  snn.probe %a rate : !snn.population<2>
}
