// convert-engram-to-snn through engram-opt, as every pass is tested: on the
// engram IR of a package, with the pass's own option names and messages
// (engramc's --snn-* flags are tested in Tools/engramc-snn.test).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/../Import/Inputs/make_package.py %t/pkg
// RUN: %python -c "import numpy as np; r = np.random.default_rng(5); np.save('%t/calib.npy', r.uniform(0, 1, (16, 5, 5)).astype(np.float32))"
// RUN: engramc %t/pkg -o %t/model.mlir

// Graded events: @forward is replaced by the network; one population per
// quantity of the cell, the trace as plastic projections, the readout
// probed.
// RUN: engram-opt %t/model.mlir --convert-engram-to-snn="calibration=%t/calib.npy encoding=graded timesteps=12" | FileCheck %s --check-prefix=GRADED
// GRADED-NOT: func.func @forward
// GRADED: snn.network @engram attributes {engram.calibration = {calibration_sequences = 16 : i64, encoding = "graded"{{.*}}}, input_width = 5 : i64, profile = #snn<profile generic>, timesteps = 12 : i64}
// GRADED: snn.input "x" graded
// GRADED: snn.graded "enc" relu
// GRADED: snn.plastic
// GRADED: snn.probe

// Rate coding for Loihi: fixed-point LIF neurons, 8-bit weights, and the
// trace frozen (learning=off) in static weights.
// RUN: engram-opt %t/model.mlir --convert-engram-to-snn="calibration=%t/calib.npy profile=loihi2 learning=off timesteps=16" | FileCheck %s --check-prefix=LOIHI
// LOIHI: profile = #snn<profile loihi2>, timesteps = 16 : i64
// LOIHI: snn.lif_fixed
// LOIHI-NOT: snn.plastic

// Errors name the pass's options as engram-opt spells them.
// RUN: not engram-opt %t/model.mlir --convert-engram-to-snn="encoding=graded" 2>&1 | FileCheck %s --check-prefix=NOCALIB
// NOCALIB: error: convert-engram-to-snn: needs calibration data: calibration=FILE.npy, inputs B×S×5
// RUN: not engram-opt %t/model.mlir --convert-engram-to-snn="calibration=%t/calib.npy timesteps=0" 2>&1 | FileCheck %s --check-prefix=STEPS
// STEPS: error: convert-engram-to-snn: timesteps must be in 3..1024 for encoding=rate, not 0
// RUN: not engram-opt %t/model.mlir --convert-engram-to-snn="calibration=%t/calib.npy encoding=spikes" 2>&1 | FileCheck %s --check-prefix=ENCODING
// ENCODING: engram-opt: for the --encoding option: 'spikes' is not one of its values (valid: graded, rate)
