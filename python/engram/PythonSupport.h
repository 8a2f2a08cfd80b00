//===- PythonSupport.h - what engram's two extensions share -----*- C++ -*-===//
//
// Errors as engram.Error, numpy arrays to and from runtime tensors, and
// running a spiking network, for engram._runtime and engram._ir.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_PYTHON_PYTHONSUPPORT_H
#define ENGRAM_PYTHON_PYTHONSUPPORT_H

#include "runtime/PackageInterpreter.h"
#include "runtime/Snn.h"
#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <optional>
#include <stdexcept>

namespace engram::python {

namespace py = pybind11;
namespace rt = engram::runtime;

/// A runtime error; raised in Python as the module's Error.
struct EngramError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void check(const rt::Status &status) {
  if (!status)
    throw EngramError(status.message());
}

template <typename T> T value(rt::StatusOr<T> result) {
  if (!result)
    throw EngramError(result.status().message());
  return std::move(*result);
}

template <typename T>
using Array = py::array_t<T, py::array::c_style | py::array::forcecast>;

inline std::vector<int64_t> shapeOf(const py::array &array) {
  return std::vector<int64_t>(array.shape(), array.shape() + array.ndim());
}

template <typename T> rt::Tensor<T> toTensor(const py::handle &object) {
  Array<T> array = Array<T>::ensure(object);
  if (!array)
    throw EngramError("expected a numeric array");
  rt::Tensor<T> tensor;
  tensor.shape = shapeOf(array);
  tensor.data.assign(array.data(), array.data() + array.size());
  return tensor;
}

/// `tensor` as a numpy array that owns it (no copy).
template <typename T> py::array toArray(rt::Tensor<T> &&tensor) {
  auto *owner = new rt::Tensor<T>(std::move(tensor));
  py::capsule free(owner,
                   [](void *p) { delete static_cast<rt::Tensor<T> *>(p); });
  return py::array_t<T>(owner->shape, owner->ptr(), free);
}

/// (output, h, trace) of a run as numpy arrays; (output, None, None) when
/// the model returns no final states.
template <typename T>
py::tuple resultTuple(rt::RunResult<T> &&run, bool hasState = true) {
  if (!hasState)
    return py::make_tuple(toArray(std::move(run.output)), py::none(),
                          py::none());
  return py::make_tuple(toArray(std::move(run.output)),
                        toArray(std::move(run.hidden)),
                        toArray(std::move(run.trace)));
}

/// Makes EngramError raise engram._runtime.Error (engram.Error), which
/// `m` defines when it is engram._runtime and imports otherwise.
inline void registerError(py::module_ &m, bool define) {
  static py::handle error;
  if (define) {
    static py::exception<EngramError> type(m, "Error", PyExc_RuntimeError);
    error = type;
  } else {
    error = py::object(py::module_::import("engram._runtime").attr("Error"))
                .release();
    m.attr("Error") = error;
  }
  py::register_local_exception_translator([](std::exception_ptr p) {
    try {
      if (p)
        std::rethrow_exception(p);
    } catch (const EngramError &e) {
      PyErr_SetString(error.ptr(), e.what());
    }
  });
}

/// Runs x (B x S x D) through a spiking network with the simulator, from
/// rest or from `state` (the simulator state, B x values, and the timesteps
/// run, B); (the decoded output B x C, the state, the timesteps).
inline py::tuple runSpiking(const rt::snn::Network &network,
                            const py::handle &x, bool fixedPoint,
                            const std::optional<py::tuple> &state) {
  rt::Tensor<float> input = toTensor<float>(x);
  if (input.rank() != 3 || input.dim(2) != int64_t(network.inputWidth))
    throw EngramError("input has shape " + rt::shapeToString(input.shape) +
                      ", the network reads B x S x " +
                      std::to_string(network.inputWidth));
  std::optional<rt::snn::SimulatorState> initial;
  if (state) {
    rt::Tensor<double> values = toTensor<double>((*state)[0]);
    rt::Tensor<int64_t> ticks = toTensor<int64_t>((*state)[1]);
    if (values.rank() != 2 || ticks.rank() != 1 ||
        ticks.dim(0) != values.dim(0))
      throw EngramError("a spiking network's state is (values B x N, "
                        "timesteps B), as its last run returned it");
    initial = rt::snn::SimulatorState{size_t(values.dim(0)),
                                      std::move(values.data),
                                      std::move(ticks.data)};
  }
  rt::snn::RunOptions options;
  options.fixedPoint = fixedPoint;
  rt::StatusOr<rt::snn::RunResult> result = rt::Status::error("not run");
  {
    py::gil_scoped_release release;
    result = rt::snn::run(network, input.ptr(), input.dim(0), input.dim(1),
                          options, initial ? &*initial : nullptr);
  }
  rt::snn::RunResult run = value(std::move(result));
  rt::Tensor<float> output;
  output.shape = {input.dim(0), int64_t(run.outputSize)};
  output.data = std::move(run.output);
  const int64_t batch = int64_t(run.state.batch);
  rt::Tensor<double> values;
  values.shape = {batch, batch ? int64_t(run.state.values.size()) / batch : 0};
  values.data = std::move(run.state.values);
  rt::Tensor<int64_t> ticks;
  ticks.shape = {batch};
  ticks.data = std::move(run.state.timesteps);
  return py::make_tuple(toArray(std::move(output)), toArray(std::move(values)),
                        toArray(std::move(ticks)));
}

} // namespace engram::python

#endif // ENGRAM_PYTHON_PYTHONSUPPORT_H
