// An engram function whose encoder kernel does not fit the input width.
func.func @forward(%x: tensor<?x?x5xf32>) -> tensor<?x?x5xf32> {
  %k = arith.constant dense<0.5> : tensor<4x6xf32>
  %b = arith.constant dense<0.0> : tensor<6xf32>
  %z = engram.encode %x, %k, %b : (tensor<?x?x5xf32>, tensor<4x6xf32>, tensor<6xf32>) -> tensor<?x?x6xf32>
  return %x : tensor<?x?x5xf32>
}
