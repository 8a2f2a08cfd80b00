//===- LavaTarget.cpp - --target=lava and .pb inputs ----------------------===//
//
// Registers the Lava export (a Lava process graph for Loihi 2, converted
// with the loihi2 profile unless --snn-profile says otherwise) and the
// import of such graphs as snn networks.
//
//===----------------------------------------------------------------------===//

#include "backends/lava/Lava.h"
#include "backends/snn/ToRuntime.h"
#include "compiler/Target.h"
#include "runtime/Files.h"
#include "runtime/Version.h"

using namespace engram::compiler;

namespace {

class LavaTarget : public Target {
public:
  llvm::StringRef name() const override { return "lava"; }
  llvm::StringRef description() const override {
    return "a Lava process graph (.pb, engram_lava.proto) for Loihi 2; "
           "backends/lava/lava_loader.py runs it";
  }
  llvm::StringRef artifact() const override { return "its graph"; }
  OutputKind outputKind() const override { return OutputKind::File; }
  bool spiking() const override { return true; }
  llvm::StringRef defaultSnnProfile() const override { return "loihi2"; }
  mlir::FailureOr<Output> emit(mlir::ModuleOp module,
                               const EmitRequest &request) const override {
    auto network = mlir::snn::toRuntime(module);
    if (mlir::failed(network))
      return mlir::failure();
    auto bytes = ::engram::lava::exportLava(
        *network, ::engram::runtime::producer("engramc"));
    if (!bytes) {
      request.fail(bytes.status().message());
      return mlir::failure();
    }
    return Output{std::move(*bytes), {}};
  }
};

mlir::OwningOpRef<mlir::ModuleOp>
importGraph(mlir::MLIRContext &context, llvm::StringRef path,
            const InputOptions &,
            llvm::function_ref<void(const llvm::Twine &)> fail) {
  auto bytes = ::engram::runtime::readFile(path.str());
  if (!bytes) {
    fail(bytes.status().message());
    return nullptr;
  }
  auto graph = ::engram::lava::importLava(*bytes, path.str());
  if (!graph) {
    fail(graph.status().message());
    return nullptr;
  }
  return mlir::snn::wrapNetwork(context, graph->network, path);
}

} // namespace

namespace engram {
void registerLavaTarget() {
  registerTarget(std::make_unique<LavaTarget>());
  registerInputFormat({".pb", importGraph});
}
} // namespace engram
