//===- Target.cpp - the registry of targets and input formats -------------===//

#include "compiler/Target.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/ManagedStatic.h"
#include "llvm/Support/Path.h"

#include <map>

using namespace engram::compiler;

namespace {
struct Registry {
  std::map<std::string, std::unique_ptr<Target>, std::less<>> targets;
  std::vector<InputFormat> formats;
};
llvm::ManagedStatic<Registry> registry;
} // namespace

Target::~Target() = default;

mlir::LogicalResult
Target::buildPipeline(mlir::OpPassManager &, const CompilerOptions &,
                      llvm::StringRef,
                      llvm::function_ref<void(const llvm::Twine &)>) const {
  return mlir::success();
}

void engram::compiler::registerTarget(std::unique_ptr<Target> target) {
  std::string name = target->name().str();
  if (!registry->targets.emplace(name, std::move(target)).second)
    llvm::report_fatal_error(
        llvm::Twine("engram target '" + name + "' registered twice"));
}

Target *engram::compiler::lookupTarget(llvm::StringRef name) {
  auto it = registry->targets.find(name);
  return it == registry->targets.end() ? nullptr : it->second.get();
}

std::vector<Target *> engram::compiler::allTargets() {
  std::vector<Target *> result;
  for (auto &entry : registry->targets)
    result.push_back(entry.second.get());
  return result;
}

Target *engram::compiler::targetImpliedByStage(llvm::StringRef stage) {
  for (Target *target : allTargets())
    for (const Stage &candidate : target->stages())
      if (candidate.name == stage && candidate.impliesTarget)
        return target;
  return nullptr;
}

void engram::compiler::registerInputFormat(InputFormat format) {
  if (lookupInputFormat("x" + format.extension))
    llvm::report_fatal_error("engram input format '" +
                             llvm::Twine(format.extension) +
                             "' registered twice");
  registry->formats.push_back(std::move(format));
}

const InputFormat *engram::compiler::lookupInputFormat(llvm::StringRef path) {
  llvm::StringRef extension = llvm::sys::path::extension(path);
  for (const InputFormat &format : registry->formats)
    if (format.extension == extension)
      return &format;
  return nullptr;
}
