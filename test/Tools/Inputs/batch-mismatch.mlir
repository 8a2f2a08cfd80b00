// Valid IR whose hidden state has a constant batch of 7 while the input's
// batch is dynamic: the interpreter must reject a run with another batch.
func.func @forward(%x: tensor<?x?x2xf32>) -> tensor<?x?x2xf32> {
  %c7 = arith.constant 7 : index
  %zero = arith.constant 0.0 : f32
  %h0 = tensor.splat %zero[%c7] : tensor<?x2xf32>
  %t0 = engram.trace_init : !engram.trace<3x2xf32>
  %k = arith.constant dense<0.5> : tensor<6x6xf32>
  %b = arith.constant dense<0.1> : tensor<6xf32>
  %ko = arith.constant dense<0.5> : tensor<6x2xf32>
  %bo = arith.constant dense<0.1> : tensor<2xf32>
  %s, %h, %t = engram.loop %x, %h0, %t0 : (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<3x2xf32>) -> (tensor<?x?x2xf32>, tensor<?x2xf32>, !engram.trace<3x2xf32>) {
  ^bb0(%xt: tensor<?x2xf32>, %hp: tensor<?x2xf32>, %tp: !engram.trace<3x2xf32>):
    %hn = engram.integrate %xt, %xt, %hp, %k, %b, %ko, %bo : (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<6x6xf32>, tensor<6xf32>, tensor<6x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    engram.yield %hn, %tp : tensor<?x2xf32>, !engram.trace<3x2xf32>
  }
  return %s : tensor<?x?x2xf32>
}
