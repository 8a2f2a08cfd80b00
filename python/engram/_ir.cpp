//===- _ir.cpp - engram IR and spiking networks for Python (pybind11) -----===//
//
// The extension module engram._ir, which links the compiler's libraries
// (MLIR) and is imported only when a .mlir file is loaded: engram IR runs
// with the reference backend (float32 or float64, from a given state or
// not), a spiking network (snn IR) with the simulator. Runtime errors and
// the IR's first diagnostic are raised as engram._ir.Error.
//
//===----------------------------------------------------------------------===//

#include "python/engram/PythonSupport.h"

#include "runtime/PackageInterpreter.h"
#include "tools/engram-run/MlirInput.h"

#include <pybind11/stl.h>

#include <mutex>
#include <optional>

using namespace engram::python;

namespace {

class Model {
public:
  explicit Model(const std::string &path) : path_(path) {
    // Parses and checks the file; engram IR is parsed again by each run.
    network_ = value(engram::tools::loadSnnNetwork(path));
    kind_ = network_ ? "snn" : "mlir";
  }

  const std::string &kind() const { return kind_; }
  int64_t inputDim() const {
    return network_ ? int64_t(network_->inputWidth) : 0;
  }

  py::tuple run(const py::handle &x, const std::optional<py::tuple> &state,
                int threads, const std::string &precision) {
    (void)threads;
    std::lock_guard<std::mutex> lock(mutex_);
    if (network_) {
      if (precision != "f32")
        throw EngramError(path_ + ": spiking networks compute in float64 "
                                  "inside the simulator; precision is for "
                                  "the interpreters");
      return runSpiking(*network_, x, false, state);
    }
    if (precision == "f64")
      return runIr<double>(x, state);
    if (precision == "f32")
      return runIr<float>(x, state);
    throw EngramError("precision must be 'f32' or 'f64', got '" + precision +
                      "'");
  }

private:
  template <typename T>
  py::tuple runIr(const py::handle &x, const std::optional<py::tuple> &state) {
    rt::Tensor<T> input = toTensor<T>(x);
    std::optional<rt::State<T>> initial;
    if (state) {
      if (state->size() != 2)
        throw EngramError("state must be a pair (h, trace)");
      initial =
          rt::State<T>{toTensor<T>((*state)[0]), toTensor<T>((*state)[1])};
    }
    rt::RunResult<T> result;
    bool hasState = false;
    rt::Status status;
    {
      py::gil_scoped_release release;
      status =
          engram::tools::runMlirFile(path_, "forward", input, result, hasState,
                                     initial ? &*initial : nullptr);
    }
    check(status);
    return resultTuple(std::move(result), hasState);
  }

  std::string path_, kind_;
  std::optional<rt::snn::Network> network_;
  std::mutex mutex_;
};

} // namespace

PYBIND11_MODULE(_ir, m) {
  m.doc() = "engram IR (reference backend) and spiking networks (simulator) "
            "on numpy arrays; links MLIR";
  registerError(m, false);
  py::class_<Model>(m, "Model", py::module_local())
      .def(py::init<const std::string &>(), py::arg("path"))
      .def_property_readonly("kind", &Model::kind)
      .def_property_readonly("input_dim", &Model::inputDim)
      .def_property_readonly("resumable", [](const Model &) { return true; })
      .def_property_readonly("metadata_json",
                             [](const Model &) { return std::string(); })
      .def("run", &Model::run, py::arg("x"), py::arg("state") = py::none(),
           py::arg("threads") = 1, py::arg("precision") = "f32");
}
