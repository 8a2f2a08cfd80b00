// @forward with two inputs: not something the CPU target can call.
func.func @forward(%x: tensor<?x?x5xf32>, %y: tensor<?x?x5xf32>) -> tensor<?x?x5xf32> {
  return %x : tensor<?x?x5xf32>
}
