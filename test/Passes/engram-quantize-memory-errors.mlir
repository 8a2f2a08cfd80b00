// RUN: engram-opt %s --split-input-file --verify-diagnostics --engram-quantize-memory="what=trace bits=8"
// RUN: engram-opt %s --split-input-file --engram-quantize-memory="what=memory" | FileCheck %s --check-prefix=MEM
// RUN: not engram-opt %s --engram-quantize-memory="bits=2" 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not engram-opt %s --engram-quantize-memory="what=both bits=16" 2>&1 | FileCheck %s --check-prefix=BITS16
// RUN: not engram-opt %s --engram-quantize-memory="what=trace bits=1" 2>&1 | FileCheck %s --check-prefix=BINTRACE
// RUN: not engram-opt %s --engram-quantize-memory="scale=column" 2>&1 | FileCheck %s --check-prefix=SCALE
// RUN: not engram-opt %s --engram-quantize-memory="rounding=up" 2>&1 | FileCheck %s --check-prefix=ROUNDING
// RUN: not engram-opt %s --engram-quantize-memory="what=weights" 2>&1 | FileCheck %s --check-prefix=WHAT
// RUN: not engram-opt %s --engram-quantize-memory="what=memory" --engram-quantize-memory="what=memory" 2>&1 | FileCheck %s --check-prefix=TWICE
// RUN: not engram-opt %s --engram-quantize-memory="what=memory trace-format=bf16" 2>&1 | FileCheck %s --check-prefix=FORMATMEM
// RUN: not engram-opt %s --engram-quantize-memory="trace-format=fp8" 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: engram-opt %s --split-input-file --engram-quantize-memory="what=trace trace-format=bf16" | FileCheck %s --check-prefix=BF16
// FORMATMEM: error: engram-quantize-memory: trace-format applies to the trace; use what=trace or what=both
// FORMAT: 'fp8' is not one of its values (valid: bf16, fixed)
// A bfloat16 trace rounds whatever the update computed: shared traces and
// updates with different clips take it too.
// BF16: engram.hebbian_update {{.*}} -> !engram.trace<3x4xf32, #engram.bf16>
// BF16: engram.hebbian_update {{.*}} -> !engram.trace<?x3x4xf32, #engram.bf16>

// Option errors name the option and the value, once, without a module dump.
// BITS: error: engram-quantize-memory: bits must be 8, 4 or 1 (memory) or 16 (trace), got 2
// BITS-NOT: builtin.module
// BITS16: error: engram-quantize-memory: a quantized memory bank has 8, 4 or 1 bits; 16 bits applies to what=trace only
// BINTRACE: error: engram-quantize-memory: a binary trace cannot accumulate Hebbian updates; use what=memory with bits=1
// SCALE: engram-opt: for the --scale option: 'column' is not one of its values (valid: row, tensor)
// ROUNDING: engram-opt: for the --rounding option: 'up' is not one of its values (valid: nearest, stochastic)
// WHAT: engram-opt: for the --what option: 'weights' is not one of its values (valid: both, memory, trace)
// TWICE: error: engram-quantize-memory: the memory bank is already quantized

// A shared trace averages updates over the batch; it stays float when only the
// memory is quantized, and has no fixed-point form.
// MEM-LABEL: func.func @shared
// MEM: #engram.quant<bits = 8
// MEM: engram.hebbian_update {{.*}} -> !engram.trace<3x4xf32>
func.func @shared(%n: tensor<?x4xf32>, %T: !engram.trace<3x4xf32>) -> !engram.trace<3x4xf32> {
  %M = engram.memory dense<0.5> : tensor<3x4xf32> -> !engram.memory<3x4xf32>
  %a, %m = engram.recall %n, %M, %T {scale_factor = 0.5 : f64, temperature = 1.5 : f64, sparsity_strength = 0.1 : f64}
      : (tensor<?x4xf32>, !engram.memory<3x4xf32>, !engram.trace<3x4xf32>) -> (tensor<?x3xf32>, tensor<?x4xf32>)
  // expected-error @+1 {{engram-quantize-memory: a fixed-point trace must be per-sequence}}
  %T2 = engram.hebbian_update %T, %a, %n {learning_rate = 0.05 : f64, clip = 0.1 : f64}
      : (!engram.trace<3x4xf32>, tensor<?x3xf32>, tensor<?x4xf32>) -> !engram.trace<3x4xf32>
  return %T2 : !engram.trace<3x4xf32>
}

// -----

// MEM-LABEL: func.func @two_clips
func.func @two_clips(%n: tensor<?x4xf32>, %a: tensor<?x3xf32>, %T: !engram.trace<?x3x4xf32>) -> !engram.trace<?x3x4xf32> {
  %T1 = engram.hebbian_update %T, %a, %n {learning_rate = 0.05 : f64, clip = 0.1 : f64}
      : (!engram.trace<?x3x4xf32>, tensor<?x3xf32>, tensor<?x4xf32>) -> !engram.trace<?x3x4xf32>
  // expected-error @+1 {{engram-quantize-memory: the Hebbian updates of a function must share one clip}}
  %T2 = engram.hebbian_update %T1, %a, %n {learning_rate = 0.05 : f64, clip = 0.2 : f64}
      : (!engram.trace<?x3x4xf32>, tensor<?x3xf32>, tensor<?x4xf32>) -> !engram.trace<?x3x4xf32>
  return %T2 : !engram.trace<?x3x4xf32>
}
