// No @forward at all.
func.func @main(%x: tensor<?x?x5xf32>) -> tensor<?x?x5xf32> {
  return %x : tensor<?x?x5xf32>
}
