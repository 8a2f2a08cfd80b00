//===- MlirInput.cpp - engram-run's engram MLIR input ---------------------===//
//
// Diagnostics are collected into the returned Status as "file:line:col:
// message", so that engram-run reports one error the same way for every input.
//
//===----------------------------------------------------------------------===//

#include "tools/engram-run/MlirInput.h"

#include "backends/reference/Interpreter.h"
#include "backends/snn/ToRuntime.h"
#include "passes/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

namespace engram::tools {

using runtime::Status;

namespace {

/// "file:line:col: message" for the first error reported in the context.
class FirstError {
public:
  explicit FirstError(mlir::MLIRContext &context)
      : handler(&context, [this](mlir::Diagnostic &diag) {
          if (diag.getSeverity() == mlir::DiagnosticSeverity::Error &&
              message.empty()) {
            if (auto loc =
                    mlir::dyn_cast<mlir::FileLineColLoc>(diag.getLocation()))
              message = (loc.getFilename().str() + ":" +
                         std::to_string(loc.getLine()) + ":" +
                         std::to_string(loc.getColumn()) + ": ");
            message += diag.str();
          }
          return mlir::success();
        }) {}

  std::string message;

private:
  mlir::ScopedDiagnosticHandler handler;
};

mlir::DialectRegistry engramDialects() {
  mlir::DialectRegistry registry;
  mlir::engram::registerDialects(registry);
  return registry;
}

/// An MLIR file parsed with the dialects engram knows (the module is null
/// when parsing failed), and the first error reported about it.
struct ParsedFile {
  explicit ParsedFile(const std::string &path)
      : path(path), context(engramDialects()), error(context),
        module(mlir::parseSourceFile<mlir::ModuleOp>(path, &context)) {}

  Status failure() const {
    return Status::error(error.message.empty() ? path + ": cannot parse"
                                               : error.message);
  }

  std::string path;
  mlir::MLIRContext context;
  FirstError error;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

} // namespace

/// The arguments of `func` for `input` started from `initial`: the initial
/// state becomes two arguments (engram-state-arguments) unless it already
/// is.
template <typename T>
runtime::StatusOr<std::vector<runtime::Tensor<T>>>
argumentsFor(const std::string &path, mlir::func::FuncOp func,
             const runtime::Tensor<T> &input, const runtime::State<T> *initial,
             const FirstError &error) {
  if (!initial)
    return std::vector<runtime::Tensor<T>>{input};
  if (func.getNumResults() != 3)
    return Status::error(path + ": @" + func.getName().str() +
                         " does not return its final states (h, trace), so "
                         "it cannot start from a given state");
  if (mlir::failed(mlir::engram::exposeInitialState(func)))
    return Status::error(error.message);
  auto trace = mlir::cast<mlir::RankedTensorType>(func.getArgumentTypes()[2]);
  runtime::StateShape shape{input.dim(0), trace.getShape().back(),
                            trace.getShape()[trace.getRank() - 2],
                            trace.getRank() == 2};
  if (Status status = runtime::checkStateValues(*initial, shape); !status)
    return status.withPrefix("initial state: ");
  return std::vector<runtime::Tensor<T>>{input, initial->hidden,
                                         initial->trace};
}

template <typename T>
Status runMlirFile(const std::string &path, const std::string &entry,
                   const runtime::Tensor<T> &input,
                   runtime::RunResult<T> &result, bool &hasState,
                   const runtime::State<T> *initial,
                   runtime::TraceRecording<T> *recording) {
  ParsedFile file(path);
  mlir::OwningOpRef<mlir::ModuleOp> &module = file.module;
  FirstError &error = file.error;
  if (!module || mlir::failed(mlir::verify(*module)))
    return file.failure();
  auto func = module->lookupSymbol<mlir::func::FuncOp>(entry);
  if (!func)
    return Status::error(path + ": no function @" + entry +
                         " (choose one with --entry)");
  if (func.getNumArguments() == 3 && !initial)
    return Status::error(path + ": @" + entry +
                         " takes its initial state (h0, t0) as arguments; "
                         "give it with --initial-state");
  auto inputType =
      func.getNumArguments() == 1 || func.getNumArguments() == 3
          ? mlir::dyn_cast<mlir::RankedTensorType>(func.getArgumentTypes()[0])
          : nullptr;
  if (!inputType || inputType.getRank() != 3 ||
      mlir::ShapedType::isDynamic(inputType.getDimSize(2)))
    return Status::error(path + ": @" + entry +
                         " must take one BxSxD tensor with a static D (and "
                         "optionally its initial state)");
  if (Status status =
          runtime::checkInputShape(input.shape, inputType.getDimSize(2));
      !status)
    return status;

  auto arguments = argumentsFor(path, func, input, initial, error);
  if (!arguments)
    return arguments.status();
  auto outputs =
      mlir::engram::interpretFunction<T>(func, *arguments, recording);
  if (mlir::failed(outputs))
    return Status::error(error.message);
  if (outputs->empty())
    return Status::error(path + ": @" + entry + " returns nothing");
  result.output = std::move((*outputs)[0]);
  hasState = outputs->size() == 3;
  if (hasState) {
    result.hidden = std::move((*outputs)[1]);
    result.trace = std::move((*outputs)[2]);
  }
  return Status::success();
}

runtime::StatusOr<std::optional<runtime::snn::Network>>
loadSnnNetwork(const std::string &path) {
  ParsedFile file(path);
  if (!file.module)
    return file.failure();
  mlir::OwningOpRef<mlir::ModuleOp> &module = file.module;
  mlir::snn::NetworkOp network;
  int count = 0;
  module->walk([&](mlir::snn::NetworkOp op) {
    network = op;
    ++count;
  });
  if (count == 0)
    return std::optional<runtime::snn::Network>();
  if (count > 1)
    return Status::error(path + ": holds " + std::to_string(count) +
                         " snn.network ops; engram-run runs one");
  auto result = mlir::snn::toRuntime(network);
  if (mlir::failed(result))
    return Status::error(file.error.message);
  return std::optional<runtime::snn::Network>(std::move(*result));
}

template Status runMlirFile(const std::string &, const std::string &,
                            const runtime::Tensor<float> &,
                            runtime::RunResult<float> &, bool &,
                            const runtime::State<float> *,
                            runtime::TraceRecording<float> *);
template Status runMlirFile(const std::string &, const std::string &,
                            const runtime::Tensor<double> &,
                            runtime::RunResult<double> &, bool &,
                            const runtime::State<double> *,
                            runtime::TraceRecording<double> *);

} // namespace engram::tools
