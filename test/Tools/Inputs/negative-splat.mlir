// Valid IR whose tensor.splat takes a negative dynamic size: the interpreter
// must refuse it before allocating anything.
func.func @forward(%x: tensor<?x?x2xf32>) -> tensor<?x2xf32> {
  %cm3 = arith.constant -3 : index
  %zero = arith.constant 0.0 : f32
  %h0 = tensor.splat %zero[%cm3] : tensor<?x2xf32>
  return %h0 : tensor<?x2xf32>
}
