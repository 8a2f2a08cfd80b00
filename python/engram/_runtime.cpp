//===- _runtime.cpp - engram's runtime for Python (pybind11) --------------===//
//
// The extension module engram._runtime: loads what the runtime runs without
// MLIR (model packages with the reference interpreter, CPU artifacts, CUDA
// artifacts, Lava graphs with the spiking simulator) and runs them on numpy
// arrays, from h = 0 and T = T₀ or from a
// given state. CPU artifacts read the caller's float32 C-contiguous arrays
// and write their outputs in place (no copy); the interpreter and CUDA copy.
// The GIL is released while a model runs; one model runs one call at a time.
// Every runtime error is raised as engram._runtime.Error with its message.
//
//===----------------------------------------------------------------------===//

#include "python/engram/PythonSupport.h"

#include "backends/lava/Lava.h"
#include "runtime/Artifact.h"
#include "runtime/CudaArtifact.h"
#include "runtime/Files.h"
#include "runtime/Package.h"
#include "runtime/PackageInterpreter.h"
#include "runtime/Version.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <mutex>
#include <optional>

using namespace engram::python;

namespace {

/// A loaded model: a package (interpreter), a CPU or a CUDA artifact.
class Model {
public:
  explicit Model(const std::string &path) : path_(path) {
    if (rt::Artifact::isArtifactPath(path)) {
      cpu_ = value(rt::Artifact::open(path));
      kind_ = "cpu";
      metadata_ = cpu_->metadata();
    } else if (rt::CudaArtifact::isCudaArtifactPath(path)) {
      cuda_ = value(rt::CudaArtifact::open(path));
      kind_ = "cuda";
      metadata_ = cuda_->metadata();
    } else if (rt::isPackagePath(path)) {
      package_ = value(rt::loadPackage(path));
      kind_ = "package";
    } else if (path.size() > 3 &&
               path.compare(path.size() - 3, 3, ".pb") == 0) {
      lava_ = value(engram::lava::importLava(value(rt::readFile(path)), path));
      kind_ = "lava";
    } else {
      throw EngramError(path + ": not a model the runtime loads: expected a "
                               "package directory or model.json, a CPU "
                               "artifact (.so), a CUDA artifact (.cuda) or a "
                               "Lava graph (.pb)");
    }
  }

  const std::string &kind() const { return kind_; }
  const std::string &path() const { return path_; }
  const std::string &metadata() const { return metadata_; }
  bool resumable() const {
    return package_ || lava_ || (cpu_ && cpu_->canResume());
  }
  int64_t inputDim() const {
    return cpu_       ? cpu_->inputDim()
           : package_ ? package_->config.inputDim
           : lava_    ? int64_t(lava_->network.inputWidth)
                      : cuda_->bundle().config.inputDim;
  }

  /// (y, h, trace) for `x` from `state` (None: h = 0, T = T₀).
  py::tuple run(const py::array &x, const std::optional<py::tuple> &state,
                int threads, const std::string &precision) {
    if (precision != "f32" && precision != "f64")
      throw EngramError("precision must be 'f32' or 'f64', got '" + precision +
                        "'");
    if (precision == "f64" && !package_)
      throw EngramError(path_ + ": compiled artifacts compute in float32; "
                                "precision='f64' is for packages (the "
                                "reference interpreter)");
    if (state && state->size() != 2)
      throw EngramError("state must be a pair (h, trace)");
    if (lava_) {
      if (precision != "f32")
        throw EngramError(path_ + ": a Lava graph computes in its own "
                                  "arithmetic; precision is for the "
                                  "interpreters");
      std::lock_guard<std::mutex> lock(mutex_);
      return runSpiking(lava_->network, x, lava_->fixedPoint, state);
    }
    if (package_)
      return precision == "f64" ? runPackage<double>(x, state)
                                : runPackage<float>(x, state);
    if (cpu_)
      return runCpu(x, state, threads);
    return runCuda(x, state);
  }

private:
  template <typename T>
  py::tuple runPackage(const py::array &x,
                       const std::optional<py::tuple> &state) {
    rt::Tensor<T> input = toTensor<T>(x);
    std::optional<rt::State<T>> initial;
    if (state)
      initial =
          rt::State<T>{toTensor<T>((*state)[0]), toTensor<T>((*state)[1])};
    rt::StatusOr<rt::RunResult<T>> result = rt::Status::error("not run");
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);
      result = rt::runReference<T>(*package_, input, nullptr,
                                   initial ? &*initial : nullptr);
    }
    return resultTuple(value(std::move(result)));
  }

  py::tuple runCpu(const py::array &x, const std::optional<py::tuple> &state,
                   int threads) {
    Array<float> input = Array<float>::ensure(x);
    if (!input)
      throw EngramError("the input must be a numeric array");
    check(rt::checkInputShape(shapeOf(input), cpu_->inputDim()));
    const int64_t batch = input.shape(0), steps = input.shape(1);
    // The state is small next to the input: it is copied and checked.
    std::optional<rt::State<float>> initial;
    if (state) {
      initial = rt::State<float>{toTensor<float>((*state)[0]),
                                 toTensor<float>((*state)[1])};
      check(cpu_->checkInitialState(*initial, batch));
    }
    py::array_t<float> output(cpu_->outputShape(batch, steps));
    const rt::StateShape shape = cpu_->stateShape(batch);
    const bool states = cpu_->hasFinalStates();
    py::array_t<float> hidden(states ? shape.hiddenShape()
                                     : std::vector<int64_t>{0});
    py::array_t<float> trace(states ? shape.traceShape()
                                    : std::vector<int64_t>{0});
    rt::Status status;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);
      status = cpu_->runBuffers(
          input.data(), batch, steps, output.mutable_data(), threads,
          initial ? initial->hidden.ptr() : nullptr,
          initial ? initial->trace.ptr() : nullptr);
      if (status && states)
        status =
            cpu_->readStateBuffers(hidden.mutable_data(), trace.mutable_data());
    }
    check(status);
    if (!states)
      return py::make_tuple(output, py::none(), py::none());
    return py::make_tuple(output, hidden, trace);
  }

  py::tuple runCuda(const py::array &x, const std::optional<py::tuple> &state) {
    if (state)
      throw EngramError(path_ + ": CUDA artifacts start from h = 0 and T = T0 "
                                "only (resuming a state runs on CPU "
                                "artifacts and packages)");
    rt::Tensor<float> input = toTensor<float>(x);
    rt::RunResult<float> result;
    rt::Status status;
    {
      py::gil_scoped_release release;
      std::lock_guard<std::mutex> lock(mutex_);
      status = cuda_->run(input, result);
      if (status)
        status = cuda_->readStates(result);
    }
    check(status);
    return resultTuple(std::move(result));
  }

  std::string path_, kind_, metadata_;
  std::unique_ptr<rt::Artifact> cpu_;
  std::unique_ptr<rt::CudaArtifact> cuda_;
  std::optional<rt::Model> package_;
  std::optional<engram::lava::LavaNetwork> lava_;
  std::mutex mutex_;
};

} // namespace

PYBIND11_MODULE(_runtime, m) {
  m.doc() = "engram's runtime: packages, CPU and CUDA artifacts on numpy "
            "arrays (no MLIR)";
  registerError(m, true);
  m.attr("version") = rt::version();
  py::class_<Model>(m, "Model", py::module_local())
      .def(py::init<const std::string &>(), py::arg("path"))
      .def_property_readonly("kind", &Model::kind)
      .def_property_readonly("path", &Model::path)
      .def_property_readonly("metadata_json", &Model::metadata)
      .def_property_readonly("input_dim", &Model::inputDim)
      .def_property_readonly("resumable", &Model::resumable)
      .def("run", &Model::run, py::arg("x"), py::arg("state") = py::none(),
           py::arg("threads") = 1, py::arg("precision") = "f32");
}
