// Valid IR (tensor.dim's verifier leaves an out-of-range constant index to
// run time) whose dimension index 5 is past the input's rank of 3: the
// interpreter must refuse it instead of reading past the shape.
func.func @forward(%x: tensor<?x?x2xf32>) -> tensor<?x2xf32> {
  %c5 = arith.constant 5 : index
  %b = tensor.dim %x, %c5 : tensor<?x?x2xf32>
  %zero = arith.constant 0.0 : f32
  %h0 = tensor.splat %zero[%b] : tensor<?x2xf32>
  return %h0 : tensor<?x2xf32>
}
