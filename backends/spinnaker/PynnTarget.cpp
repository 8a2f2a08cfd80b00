//===- PynnTarget.cpp - --target=spinnaker --------------------------------===//
//
// Registers the PyNN export: a script (-o FILE.py) and its arrays beside it
// (FILE.npz), for SpiNNaker, NEST or Brian2; networks are converted with
// the spinnaker profile unless --snn-profile says otherwise.
//
//===----------------------------------------------------------------------===//

#include "backends/snn/ToRuntime.h"
#include "backends/spinnaker/Pynn.h"
#include "compiler/Target.h"
#include "runtime/Version.h"

#include "llvm/Support/Path.h"

using namespace engram::compiler;

namespace {

class SpinnakerTarget : public Target {
public:
  llvm::StringRef name() const override { return "spinnaker"; }
  llvm::StringRef description() const override {
    return "a PyNN script (-o net_pynn.py, its arrays in net_pynn.npz beside "
           "it) for SpiNNaker, NEST or Brian2";
  }
  llvm::StringRef artifact() const override {
    return "a PyNN script and its arrays";
  }
  OutputKind outputKind() const override { return OutputKind::Bundle; }
  bool spiking() const override { return true; }
  llvm::StringRef defaultSnnProfile() const override { return "spinnaker"; }
  /// SpiNNaker's neurons send spikes only.
  mlir::engram::SnnEncoding defaultSnnEncoding() const override {
    return mlir::engram::SnnEncoding::Rate;
  }
  mlir::FailureOr<Output> emit(mlir::ModuleOp module,
                               const EmitRequest &request) const override {
    llvm::StringRef script = request.outputPath;
    if (script == "-" || !script.ends_with(".py")) {
      request.fail("--target=spinnaker writes a Python script and its arrays "
                   "beside it: give -o FILE.py");
      return mlir::failure();
    }
    auto network = mlir::snn::toRuntime(module);
    if (mlir::failed(network))
      return mlir::failure();
    std::string npz = (script.drop_back(3) + ".npz").str();
    auto exported = ::engram::pynn::exportPynn(
        *network, llvm::sys::path::filename(npz).str(),
        ::engram::runtime::producer("engramc"));
    if (!exported) {
      request.fail(exported.status().message());
      return mlir::failure();
    }
    return Output{std::move(exported->script),
                  {{npz, std::move(exported->npz)}}};
  }
};

} // namespace

namespace engram {
void registerSpinnakerTarget() {
  registerTarget(std::make_unique<SpinnakerTarget>());
}
} // namespace engram
