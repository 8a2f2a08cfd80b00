//===- MlirInput.h - engram-run's engram MLIR input -------------*- C++ -*-===//
//
// The one part of engram-run that needs MLIR: parsing engram IR and running
// it with the reference backend, and reading spiking networks (snn IR) for
// the simulator. Built only together with the compiler.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_TOOLS_ENGRAM_RUN_MLIRINPUT_H
#define ENGRAM_TOOLS_ENGRAM_RUN_MLIRINPUT_H

#include "runtime/PackageInterpreter.h"
#include "runtime/Snn.h"

#include <optional>

#include <string>

namespace engram::tools {

/// Parses and verifies the engram MLIR file at `path`, checks `input`
/// against the signature of the function `entry` and interprets it. The
/// final hidden state and trace are filled in when the function returns
/// them (as functions made by engramc do); `hasState` says whether it did.
/// With `initial`, the function starts from that state instead of h = 0 and
/// T = T₀ (its initial state made arguments as engram-state-arguments
/// does). `recording`, when given, is filled by the time loop.
template <typename T>
runtime::Status runMlirFile(const std::string &path, const std::string &entry,
                            const runtime::Tensor<T> &input,
                            runtime::RunResult<T> &result, bool &hasState,
                            const runtime::State<T> *initial = nullptr,
                            runtime::TraceRecording<T> *recording = nullptr);

/// The spiking network of the MLIR file at `path` (snn dialect, as
/// `engramc --emit=snn` prints it), or nullopt when the file holds no
/// snn.network (engram IR).
runtime::StatusOr<std::optional<runtime::snn::Network>>
loadSnnNetwork(const std::string &path);

} // namespace engram::tools

#endif // ENGRAM_TOOLS_ENGRAM_RUN_MLIRINPUT_H
