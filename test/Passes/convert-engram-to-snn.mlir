// engram-calibrate-snn and convert-engram-to-snn through engram-opt, as
// every pass is tested: on the engram IR of a package, with the passes' own
// option names and messages (engramc's --snn-* flags are tested in
// Tools/engramc-snn.test).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/../Import/Inputs/make_package.py %t/pkg
// RUN: %python -c "import numpy as np; r = np.random.default_rng(5); np.save('%t/calib.npy', r.uniform(0, 1, (16, 5, 5)).astype(np.float32))"
// RUN: engramc %t/pkg -o %t/model.mlir

// Calibration records what the conversion needs on the module, and the
// options it was made for; @forward is unchanged.
// RUN: engram-opt %t/model.mlir --engram-calibrate-snn="calibration=%t/calib.npy encoding=graded calibration-samples=8" -o %t/calibrated.mlir
// RUN: FileCheck %s --check-prefix=CALIB < %t/calibrated.mlir
// CALIB: module attributes {engram.snn_calibration = {encoding = "graded", k = 8 : i64, kwta_mass = {{.*}}, percentile = 9.950000e+01 : f64, query_norm = {{.*}}, ranges = {enc = [{{.*}}], g = [{{.*}}], h = [{{.*}}]{{.*}}raw = [{{.*}}]{{.*}}}, recall = "linear", sequences = 8 : i64, {{.*}}zero_input = "exact"
// CALIB: func.func @forward

// Graded events: @forward is replaced by the network; one population per
// quantity of the cell, the trace as plastic projections, the readout
// probed. The calibration is consumed: the network carries its summary.
// RUN: engram-opt %t/calibrated.mlir --convert-engram-to-snn="encoding=graded timesteps=12" | FileCheck %s --check-prefix=GRADED
// GRADED-NOT: engram.snn_calibration
// GRADED-NOT: func.func @forward
// GRADED: snn.network @engram attributes {engram.calibration = {calibration_sequences = 8 : i64, encoding = "graded"{{.*}}}, input_width = 5 : i64, profile = #snn<profile generic>, timesteps = 12 : i64}
// GRADED: snn.input "x" graded
// GRADED: snn.graded "enc" relu
// GRADED: snn.plastic {{.*}}rule = #snn.rule<"dw = {{.*}}*u*x1*y3 - 0.05*u*w">
// GRADED: snn.probe

// The two passes in one run are what engramc --emit=snn runs.
// RUN: engram-opt %t/model.mlir --engram-calibrate-snn="calibration=%t/calib.npy encoding=graded" --convert-engram-to-snn="encoding=graded timesteps=12" -o %t/two.mlir
// RUN: engramc %t/pkg --emit=snn --snn-calibration=%t/calib.npy --snn-encoding=graded --snn-timesteps=12 -o %t/engramc.mlir
// RUN: diff %t/two.mlir %t/engramc.mlir

// Rate coding for Loihi: fixed-point LIF neurons, 8-bit weights, and the
// trace frozen (learning=off) in static weights.
// RUN: engram-opt %t/model.mlir --engram-calibrate-snn="calibration=%t/calib.npy profile=loihi2" --convert-engram-to-snn="profile=loihi2 learning=off timesteps=16" | FileCheck %s --check-prefix=LOIHI
// LOIHI: profile = #snn<profile loihi2>, timesteps = 16 : i64
// LOIHI: snn.lif_fixed
// LOIHI-NOT: snn.plastic

// Errors name the passes' options as engram-opt spells them.
// RUN: not engram-opt %t/model.mlir --engram-calibrate-snn="encoding=graded" 2>&1 | FileCheck %s --check-prefix=NOCALIB
// NOCALIB: error: engram-calibrate-snn: needs calibration data: calibration=FILE.npy, inputs B×S×5
// RUN: not engram-opt %t/model.mlir --engram-calibrate-snn="calibration=%t/calib.npy calibration-samples=0" 2>&1 | FileCheck %s --check-prefix=SAMPLES
// SAMPLES: error: engram-calibrate-snn: calibration-samples must be at least 1
// RUN: not engram-opt %t/model.mlir --engram-calibrate-snn="calibration=%t/calib.npy recall=kwta k=9" 2>&1 | FileCheck %s --check-prefix=K
// K: error: engram-calibrate-snn: k must be in 1..3 (the memory slots), not 9
// RUN: not engram-opt %t/model.mlir --convert-engram-to-snn="encoding=graded" 2>&1 | FileCheck %s --check-prefix=UNCALIBRATED
// UNCALIBRATED: error: convert-engram-to-snn: needs the calibration of engram-calibrate-snn (engram.snn_calibration on the module); run that pass first
// RUN: not engram-opt %t/calibrated.mlir --convert-engram-to-snn="timesteps=0" 2>&1 | FileCheck %s --check-prefix=STEPS
// STEPS: error: convert-engram-to-snn: timesteps must be in 3..1024 for encoding=rate, not 0
// RUN: not engram-opt %t/calibrated.mlir --convert-engram-to-snn="encoding=rate" 2>&1 | FileCheck %s --check-prefix=MISMATCH
// MISMATCH: error: convert-engram-to-snn: the calibration (engram.snn_calibration) was made for encoding=graded, not rate; calibrate with the same options
// RUN: not engram-opt %t/calibrated.mlir --convert-engram-to-snn="encoding=graded zero-input=ignore timesteps=12" 2>&1 | FileCheck %s --check-prefix=ZERO
// ZERO: error: convert-engram-to-snn: the calibration (engram.snn_calibration) was made for zero-input=exact, not ignore; calibrate with the same options
// RUN: sed -e 's/query_norm = [^,]*,/query_norm = "big",/' %t/calibrated.mlir > %t/broken.mlir
// RUN: not engram-opt %t/broken.mlir --convert-engram-to-snn="encoding=graded timesteps=12" 2>&1 | FileCheck %s --check-prefix=BROKEN
// BROKEN: error: engram.snn_calibration: 'query_norm' must be a finite float
// RUN: not engram-opt %t/model.mlir --convert-engram-to-snn="encoding=spikes" 2>&1 | FileCheck %s --check-prefix=ENCODING
// ENCODING: engram-opt: for the --encoding option: 'spikes' is not one of its values (valid: graded, rate)
