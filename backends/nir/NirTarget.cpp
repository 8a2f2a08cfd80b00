//===- NirTarget.cpp - --target=nir and .nir inputs -----------------------===//
//
// Registers the NIR export (an HDF5 graph for snnTorch, Norse, Sinabs,
// SpiNNaker 2, Xylo, ...) and the import of NIR files as snn networks.
//
//===----------------------------------------------------------------------===//

#include "backends/nir/Nir.h"
#include "backends/snn/ToRuntime.h"
#include "compiler/Target.h"
#include "runtime/Version.h"

using namespace engram::compiler;

namespace {

class NirTarget : public Target {
public:
  llvm::StringRef name() const override { return "nir"; }
  llvm::StringRef description() const override {
    return "a NIR graph (.nir, HDF5) for snnTorch, Norse, Sinabs, SpiNNaker "
           "2, Xylo, ...";
  }
  llvm::StringRef artifact() const override { return "its graph"; }
  OutputKind outputKind() const override { return OutputKind::File; }
  bool spiking() const override { return true; }
  /// NIR has no node for a graded ReLU unit.
  mlir::engram::SnnEncoding defaultSnnEncoding() const override {
    return mlir::engram::SnnEncoding::Rate;
  }
  mlir::FailureOr<Output> emit(mlir::ModuleOp module,
                               const EmitRequest &request) const override {
    auto network = mlir::snn::toRuntime(module);
    if (mlir::failed(network))
      return mlir::failure();
    auto graph = ::engram::nir::exportNir(
        *network, ::engram::runtime::producer("engramc"));
    if (!graph) {
      request.fail(graph.status().message());
      return mlir::failure();
    }
    for (const std::string &dropped : graph->dropped)
      request.warn("NIR drops " + dropped);
    return Output{std::move(graph->bytes), {}};
  }
};

mlir::OwningOpRef<mlir::ModuleOp>
importFile(mlir::MLIRContext &context, llvm::StringRef path,
           const InputOptions &options,
           llvm::function_ref<void(const llvm::Twine &)> fail) {
  ::engram::nir::NirImportOptions nir;
  nir.dt = options.nirDt;
  nir.timesteps = int(options.nirTimesteps);
  namespace en = ::engram::nir;
  nir.latency = options.nirSemantics == NirSemantics::Nir ? en::NirLatency::Nir
                : options.nirSemantics == NirSemantics::Engram
                    ? en::NirLatency::Engram
                    : en::NirLatency::FromFile;
  nir.integration = options.nirIntegration == NirIntegration::Zoh
                        ? en::NirIntegration::Zoh
                    : options.nirIntegration == NirIntegration::Euler
                        ? en::NirIntegration::Euler
                        : en::NirIntegration::FromFile;
  auto network = ::engram::nir::importNir(path.str(), nir);
  if (!network) {
    fail(network.status().message());
    return nullptr;
  }
  return mlir::snn::wrapNetwork(context, *network, path);
}

} // namespace

namespace engram {
void registerNirTarget() {
  registerTarget(std::make_unique<NirTarget>());
  registerInputFormat({".nir", importFile});
}
} // namespace engram
