//===- FuzzMlir.cpp - fuzz targets: engram and snn MLIR text
//---------------===//
//
// MLIR text is parsed and verified with every dialect the tools load (both
// targets). Verified engram IR then runs in the reference interpreter (its
// @forward, on a short input), as engram-run does; for snn (ENGRAM_FUZZ_SNN)
// every verified snn.network is translated for the simulator, whose
// validation must accept it. One context per input, so that nothing
// accumulates between inputs.
//
//===----------------------------------------------------------------------===//

#include "backends/reference/Interpreter.h"
#include "backends/snn/ToRuntime.h"
#include "passes/Passes.h"
#include "test/fuzz/FuzzChecks.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include <cstdint>
#include <cstdlib>

using namespace mlir;

namespace {

#ifdef ENGRAM_FUZZ_SNN
constexpr bool kSnnTarget = true;
#else
constexpr bool kSnnTarget = false;
#endif

const DialectRegistry &registry() {
  static DialectRegistry *registry = [] {
    auto *r = new DialectRegistry();
    mlir::engram::registerDialects(*r);
    return r;
  }();
  return *registry;
}

/// The snn.network ops of `module` in the simulator's form.
void translateNetworks(ModuleOp module) {
  module.walk([](snn::NetworkOp op) {
    FailureOr<::engram::runtime::snn::Network> network = snn::toRuntime(op);
    if (succeeded(network))
      ::engram::fuzz::runNetwork(*network);
  });
}

/// Interprets @forward on a short input when it takes one BxSxD tensor.
void interpretForward(ModuleOp module) {
  auto func = module.lookupSymbol<func::FuncOp>("forward");
  if (!func || func.getNumArguments() != 1)
    return;
  auto type = dyn_cast<RankedTensorType>(func.getArgumentTypes()[0]);
  if (!type || type.getRank() != 3 || !type.getElementType().isF32())
    return;
  std::vector<int64_t> shape = {1, 2, 0};
  for (int i = 0; i < 3; ++i)
    if (!ShapedType::isDynamic(type.getDimSize(i)))
      shape[i] = type.getDimSize(i);
  if (shape[2] == 0 || shape[0] * shape[1] * shape[2] > 4096)
    return;
  ::engram::runtime::Tensor<float> x(shape);
  for (size_t i = 0; i < x.data.size(); ++i)
    x.data[i] = float(i % 5) / 5.0f;
  (void)mlir::engram::interpretFunction<float>(func, {x});
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext context(registry(), MLIRContext::Threading::DISABLED);
  context.printOpOnDiagnostic(false);
  ScopedDiagnosticHandler quiet(&context,
                                [](Diagnostic &) { return success(); });
  // MLIR's lexer reads up to a NUL byte, as every buffer the tools read has
  // (llvm::MemoryBuffer adds one): give the input one too.
  const std::string text(reinterpret_cast<const char *>(data), size);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(text, ParserConfig(&context));
  if (!module || failed(verify(*module)))
    return 0;
  if (kSnnTarget)
    translateNetworks(*module);
  else
    interpretForward(*module);
  return 0;
}
