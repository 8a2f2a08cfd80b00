//===- engram-run.cpp - run an engram model on .npy inputs ----------------===//
//
// engram-run MODEL --input x.npy [--output y.npy] [--dump-state state.npz]
//            [--initial-state state.npz] [--labels labels.npy]
//            [--precision=f32|f64] [--entry=NAME]
//            [--threads N] [--bench] [--fixed-point] [--record spikes.npz]
//            [--expect golden.npy [--rtol R] [--atol A]]
//
// Runs a compiled artifact (model.so or model.cuda from engramc), a model
// package with the reference interpreter, engram MLIR with the reference
// backend, or a spiking network (snn MLIR) with the simulator. Written against
// the runtime only (plus an optional MLIR input), with its own small argument
// parser, so that a runtime-only build has no LLVM dependency. Every error
// exits 1 and leaves no output.
//
//===----------------------------------------------------------------------===//

#include "backends/lava/Lava.h"
#include "runtime/Artifact.h"
#include "runtime/CudaArtifact.h"
#include "runtime/Files.h"
#include "runtime/Npy.h"
#include "runtime/Package.h"
#include "runtime/PackageInterpreter.h"
#include "runtime/Snn.h"
#include "runtime/Text.h"
#include "runtime/Version.h"

#ifdef ENGRAM_RUN_WITH_MLIR
#include "tools/engram-run/MlirInput.h"
#include "llvm/Config/llvm-config.h"
#endif

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <sys/stat.h>

using namespace engram::runtime;

namespace {

const char *kUsage = R"(USAGE: engram-run MODEL --input FILE.npy [options]

Runs an engram model on a float B x S x D input (batch, steps, features).

MODEL is a compiled artifact (model.so, from engramc --target=cpu, or
model.cuda, from engramc --target=cuda, run on GPU 0 or $ENGRAM_CUDA_DEVICE
through the CUDA driver, which is loaded at run time), a model
package (a directory holding model.json, or the model.json itself) run with
the reference interpreter, engram MLIR text (.mlir, as printed by engramc)
run with the reference backend, or a spiking network (.mlir holding an
snn.network, from engramc --emit=snn) run with the spiking simulator, or
a Lava process graph (.pb, from engramc --target=lava) run with the same
simulator in the graph's tag (fixed_pt: Loihi fixed point).

OPTIONS:
  --input FILE.npy        input sequences, float32 or float64, B x S x D, all
                          finite (integer arrays are refused: scale them as
                          the model was trained, e.g. images / 255, and save
                          them as float32)
  --output FILE.npy       write the model output (B x C, B x H or B x S x ...)
  --dump-state FILE.npz   write the final states: 'h' (B x H) and 'trace'
                          (B x N x H, or N x H with batch_mean batching)
  --initial-state FILE.npz
                          start from the state in FILE ('h' and 'trace' as
                          --dump-state writes them) instead of h = 0 and
                          T = T0, to feed a stream in chunks: running S
                          steps equals running S1, dumping the state and
                          running the rest from it (packages, engram MLIR,
                          CPU artifacts and spiking networks, whose state
                          --dump-state writes as 'snn_state' and
                          'snn_timesteps'; not yet CUDA)
  --labels FILE.npy       integer class labels (B); print the accuracy of the
                          argmax of a B x C output
  --precision f32|f64     arithmetic and output precision of the reference
                          interpreter (default f32; artifacts compute in f32)
  --entry NAME            function to run in an MLIR input (default forward)
  --threads N             threads an artifact splits the batch over (default 1)
  --bench                 run repeatedly for about a second and print the
                          median time per batch and sequences per second
                          (CUDA: the mean device time from CUDA events)
  --print-metadata        print an artifact's metadata (JSON) and exit
  --fixed-point           spiking networks: Loihi fixed point (bit-accurate
                          LIF and Dense) instead of float
  --record FILE.npz       spiking networks: write every population's events,
                          B x (S*timesteps) x size, one member per population
  --record-trace FILE.npz packages, engram MLIR and CPU artifacts: write
                          the trace T, the recall weights a (not from
                          artifacts) and h of chosen sequences after
                          recorded steps, and statistics of their traces at
                          every step (docs/recordings.md)
  --record-every K        record the states after every K-th step and the
                          last (default 1)
  --record-sequences LIST batch indices to record, e.g. 0,3,7 (default 0)
  --expect FILE.npy       compare the output with FILE.npy (a golden output):
                          exit 1 with the worst mismatch when an element is
                          outside atol + rtol * |expected| (NaN matches
                          nothing); for regression tests (docs/testing-your-
                          model.md)
  --rtol R, --atol A      tolerances of --expect (default 1e-4 and 1e-6, the
                          float32 tolerance of ENGRAM_SEMANTICS.md)
  --version               print engram's version, revision and LLVM version
  --help                  show this text
)";

struct Options {
  std::string model, input, output, dumpState, labels, record, expect;
  std::string initialState;
  std::string recordTrace, recordEvery = "1", recordSequences;
  RecordingOptions recording;
  std::string rtolText = "1e-4", atolText = "1e-6";
  double rtol = 1e-4, atol = 1e-6;
  std::string precision = "f32";
  std::string entry = "forward";
  std::string threads = "1";
  bool bench = false;
  bool printMetadata = false;
  bool fixedPoint = false;
  int threadCount = 1;
};

/// A non-negative number of --rtol or --atol.
Status parseTolerance(const std::string &name, const std::string &text,
                      double &value) {
  char *end = nullptr;
  value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end || !(value >= 0) || !std::isfinite(value))
    return Status::error(name + " must be a non-negative number, got '" + text +
                         "'");
  return Status::success();
}

bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// The --record-* options: their values, and a model that can record.
Status checkRecording(Options &options) {
  if (options.recordTrace.empty()) {
    if (options.recordEvery != "1" || !options.recordSequences.empty())
      return Status::error("--record-every and --record-sequences choose what "
                           "--record-trace writes");
    return Status::success();
  }
  if (!isPackagePath(options.model) && !endsWith(options.model, ".mlir") &&
      !Artifact::isArtifactPath(options.model))
    return Status::error(
        "--record-trace: recordings come from a model package (a directory "
        "holding model.json, or the model.json), engram MLIR or a CPU "
        "artifact (.so); " +
        options.model + " is none of them (CUDA artifacts do not record yet)");
  StatusOr<RecordingOptions> recording =
      parseRecordingOptions(options.recordEvery, options.recordSequences);
  if (!recording)
    return recording.status();
  options.recording = std::move(*recording);
  return Status::success();
}

/// Checks what can be checked before any work: the model exists, every
/// output can be written, the options' values.
Status checkArguments(Options &options) {
  struct stat info;
  if (stat(options.model.c_str(), &info) != 0)
    return Status::error(options.model + ": cannot read: " +
                         std::strerror(errno));
  if (options.printMetadata)
    return Status::success();
  if (options.input.empty())
    return Status::error("no --input given");
  for (const std::string *path : {&options.output, &options.dumpState,
                                  &options.record, &options.recordTrace})
    if (!path->empty())
      if (Status status = checkOutputPath(*path); !status)
        return status;
  if (options.precision != "f32" && options.precision != "f64")
    return Status::error("--precision must be f32 or f64, got '" +
                         options.precision + "'");
  char *end = nullptr;
  long threads = std::strtol(options.threads.c_str(), &end, 10);
  if (options.threads.empty() || *end || threads < 1 || threads > 64)
    return Status::error("--threads must be an integer from 1 to 64, got '" +
                         options.threads + "'");
  options.threadCount = static_cast<int>(threads);
  if (Status status = parseTolerance("--rtol", options.rtolText, options.rtol);
      !status)
    return status;
  if (Status status = parseTolerance("--atol", options.atolText, options.atol);
      !status)
    return status;
  if (options.expect.empty() &&
      (options.rtolText != "1e-4" || options.atolText != "1e-6"))
    return Status::error("--rtol and --atol are the tolerances of --expect");
  if (options.output.empty() && options.dumpState.empty() &&
      options.labels.empty() && options.record.empty() &&
      options.recordTrace.empty() && options.expect.empty() && !options.bench)
    return Status::error("nothing to do: give --output, --dump-state, "
                         "--labels, --record, --record-trace, --expect or "
                         "--bench");
  return checkRecording(options);
}

Status parseArguments(int argc, char **argv, Options &options, bool &help,
                      bool &version) {
  std::map<std::string, std::string *> valued = {
      {"--input", &options.input},
      {"--output", &options.output},
      {"--dump-state", &options.dumpState},
      {"--initial-state", &options.initialState},
      {"--labels", &options.labels},
      {"--precision", &options.precision},
      {"--entry", &options.entry},
      {"--threads", &options.threads},
      {"--record", &options.record},
      {"--expect", &options.expect},
      {"--rtol", &options.rtolText},
      {"--atol", &options.atolText},
      {"--record-trace", &options.recordTrace},
      {"--record-every", &options.recordEvery},
      {"--record-sequences", &options.recordSequences}};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help = true;
      return Status::success();
    }
    if (arg == "--version") {
      version = true;
      return Status::success();
    }
    if (arg == "--bench") {
      options.bench = true;
      continue;
    }
    if (arg == "--fixed-point") {
      options.fixedPoint = true;
      continue;
    }
    if (arg == "--print-metadata") {
      options.printMetadata = true;
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-') {
      size_t equals = arg.find('=');
      std::string name = arg.substr(0, equals);
      auto it = valued.find(name);
      if (it == valued.end())
        return Status::error("unknown option '" + name + "' (see --help)");
      if (equals != std::string::npos)
        *it->second = arg.substr(equals + 1);
      else if (i + 1 < argc)
        *it->second = argv[++i];
      else
        return Status::error("option '" + name + "' needs a value");
      continue;
    }
    if (!options.model.empty())
      return Status::error("more than one MODEL given ('" + options.model +
                           "' and '" + arg + "')");
    options.model = arg;
  }
  if (options.model.empty())
    return Status::error("no MODEL given (see --help)");
  return checkArguments(options);
}

/// Runs the model once on the input given to prepareModel; the final states
/// are read back when `states` is set (the benchmark times runs without).
template <typename T>
using Runner = std::function<Status(RunResult<T> &, bool states)>;

/// Opens the compiled artifact MODEL (an `A`, CPU or CUDA) and returns how
/// to run it on `input` with `run`.
template <typename A, typename RunFn>
StatusOr<Runner<float>> artifactRunner(const Options &options,
                                       const Tensor<float> &input,
                                       bool &hasState, RunFn run) {
  StatusOr<std::unique_ptr<A>> artifact = A::open(options.model);
  if (!artifact)
    return artifact.status();
  hasState = (*artifact)->hasFinalStates();
  std::shared_ptr<A> shared = std::move(*artifact);
  return Runner<float>(
      [shared, &input, &options, run](RunResult<float> &r, bool states) {
        Status status = run(*shared, input, r);
        if (status && states)
          status = shared->readStates(r);
        return status.withPrefix(options.input + ": ");
      });
}

/// Records a CPU artifact's run of `input` from `initial`, one step at a
/// time, each from the state the last ended in (a run split into steps
/// equals the whole run, docs/streams.md): T and h at every step; the
/// artifact does not expose the recall weights.
Status recordByStep(Artifact &artifact, const Tensor<float> &input, int threads,
                    const State<float> *initial,
                    TraceRecording<float> &recording) {
  const int64_t batch = input.dim(0), steps = input.dim(1),
                width = input.dim(2);
  RunResult<float> step;
  State<float> state;
  if (initial)
    state = *initial;
  StatusOr<Tensor<float>> start = initial
                                      ? StatusOr<Tensor<float>>(initial->trace)
                                      : artifact.initialTrace(batch);
  if (!start)
    return start.status();
  if (Status started = recording.start(batch, steps, *start); !started)
    return started;
  Tensor<float> x({batch, 1, width});
  for (int64_t t = 0; t < steps; ++t) {
    for (int64_t b = 0; b < batch; ++b)
      std::copy_n(input.ptr() + (b * steps + t) * width, width,
                  x.ptr() + b * width);
    Status status =
        artifact.run(x, threads, step, t == 0 && !initial ? nullptr : &state);
    if (status)
      status = artifact.readStates(step);
    if (!status)
      return status;
    recording.record(t + 1, step.trace, Tensor<float>(), step.hidden);
    state.hidden = step.hidden;
    state.trace = step.trace;
  }
  return Status::success();
}

/// Loads MODEL and returns how to run it on `input`; `hasState` says
/// whether the final states come back. A package's first run with states
/// fills `recording`, when given.
template <typename T>
StatusOr<Runner<T>> prepareModel(const Options &options, const Tensor<T> &input,
                                 bool &hasState,
                                 TraceRecording<T> *recording = nullptr,
                                 const State<T> *initial = nullptr) {
  const bool cpu = Artifact::isArtifactPath(options.model),
             cuda = CudaArtifact::isCudaArtifactPath(options.model);
  if (cpu || cuda) {
    if constexpr (!std::is_same_v<T, float>) {
      return Status::error(options.model +
                           ": compiled artifacts compute in float32; "
                           "--precision=f64 is for the reference interpreter");
    } else {
      hasState = true;
      int threads = options.threadCount;
      if (cuda && initial)
        return Status::error("--initial-state: " + options.model +
                             ": CUDA artifacts start from h = 0 and T = T0 "
                             "only (resuming a state runs on CPU artifacts, "
                             "packages and engram MLIR)");
      // The recording, when asked for, is made once, before the first run.
      auto pending = std::make_shared<TraceRecording<float> *>(recording);
      return cpu ? artifactRunner<Artifact>(
                       options, input, hasState,
                       [threads, initial, pending](Artifact &a,
                                                   const Tensor<float> &x,
                                                   RunResult<float> &r) {
                         if (TraceRecording<float> *rec = *pending) {
                           *pending = nullptr;
                           if (Status s =
                                   recordByStep(a, x, threads, initial, *rec);
                               !s)
                             return s;
                         }
                         return a.run(x, threads, r, initial);
                       })
                 : artifactRunner<CudaArtifact>(
                       options, input, hasState,
                       [](CudaArtifact &a, const Tensor<float> &x,
                          RunResult<float> &r) { return a.run(x, r); });
    }
  }
  if (isPackagePath(options.model)) {
    StatusOr<Model> model = loadPackage(options.model);
    if (!model)
      return model.status();
    hasState = true;
    auto shared = std::make_shared<Model>(std::move(*model));
    return Runner<T>([shared, &input, &options, recording,
                      initial](RunResult<T> &r, bool states) {
      auto run =
          runReference(*shared, input, states ? recording : nullptr, initial);
      if (!run)
        return run.status().withPrefix(options.input + ": ");
      r = std::move(*run);
      return Status::success();
    });
  }
  if (!endsWith(options.model, ".mlir"))
    return Status::error(options.model +
                         ": not a model: expected an artifact (.so, .cuda), a "
                         "package directory, a model.json or an engram "
                         ".mlir file");
#ifdef ENGRAM_RUN_WITH_MLIR
  return Runner<T>([&options, &input, &hasState, initial,
                    recording](RunResult<T> &r, bool states) {
    return engram::tools::runMlirFile(options.model, options.entry, input, r,
                                      hasState, initial,
                                      states ? recording : nullptr);
  });
#else
  return Status::error(options.model +
                       ": this engram-run was built without "
                       "MLIR support (ENGRAM_BUILD_COMPILER=OFF)");
#endif
}

/// Runs `runner` repeatedly for about a second; prints the median.
template <typename T>
Status benchmark(const Runner<T> &runner, const Tensor<T> &input,
                 const Options &options) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> seconds;
  RunResult<T> result;
  Clock::time_point start = Clock::now();
  while (seconds.size() < 3 ||
         (std::chrono::duration<double>(Clock::now() - start).count() < 1.0 &&
          seconds.size() < 1000)) {
    Clock::time_point before = Clock::now();
    if (Status status = runner(result, /*states=*/false); !status)
      return status;
    seconds.push_back(
        std::chrono::duration<double>(Clock::now() - before).count());
  }
  std::sort(seconds.begin(), seconds.end());
  double median = seconds[seconds.size() / 2];
  std::printf("bench: %lld sequences x %lld steps, %zu runs, median %.3f ms "
              "per batch, %.1f sequences/s (%d thread%s)\n",
              static_cast<long long>(input.dim(0)),
              static_cast<long long>(input.dim(1)), seconds.size(),
              median * 1e3, input.dim(0) / median, options.threadCount,
              options.threadCount == 1 ? "" : "s");
  return Status::success();
}

/// Times a CUDA artifact on the device (CUDA events, the input uploaded
/// once), so that the figure is the kernels' and not the PCIe copies'.
template <typename T>
Status benchmarkCuda(const Options &options, const Tensor<T> &input) {
  if constexpr (!std::is_same_v<T, float>) {
    return Status::error("CUDA artifacts compute in float32");
  } else {
    StatusOr<std::unique_ptr<CudaArtifact>> artifact =
        CudaArtifact::open(options.model);
    if (!artifact)
      return artifact.status();
    // About a second of runs, after a calibration run.
    StatusOr<double> once = (*artifact)->timeRun(input, 3);
    if (!once)
      return once.status();
    int iterations = std::clamp(int(1000.0 / std::max(*once, 1e-3)), 3, 2000);
    StatusOr<double> ms = (*artifact)->timeRun(input, iterations);
    if (!ms)
      return ms.status();
    std::printf("bench: %lld sequences x %lld steps, %d runs, mean %.3f ms "
                "per batch, %.1f sequences/s (%s, device time)\n",
                static_cast<long long>(input.dim(0)),
                static_cast<long long>(input.dim(1)), iterations, *ms,
                input.dim(0) / (*ms * 1e-3), (*artifact)->deviceName().c_str());
    return Status::success();
  }
}

/// Accuracy of argmax(output) against integer labels, printed to stdout.
template <typename T>
Status reportAccuracy(const Options &options, const Tensor<T> &output) {
  StatusOr<NpyArray> labels = readNpy(options.labels);
  if (!labels)
    return labels.status();
  if (output.rank() != 2)
    return Status::error("--labels needs a B x C output, but the model "
                         "returns " +
                         shapeToString(output.shape));
  const int64_t batch = output.dim(0), classes = output.dim(1);
  if (labels->shape != std::vector<int64_t>{batch})
    return Status::error(options.labels + ": shape " +
                         shapeToString(labels->shape) + ", expected " +
                         std::to_string(batch) + " labels");
  int64_t correct = 0;
  for (int64_t b = 0; b < batch; ++b) {
    double label = labels->data[b];
    if (label != std::floor(label) || label < 0 || label >= classes)
      return Status::error(options.labels + ": label " + std::to_string(b) +
                           " is " + std::to_string(label) +
                           ", not a class in [0, " + std::to_string(classes) +
                           ")");
    const T *row = output.ptr() + b * classes;
    int64_t best = std::max_element(row, row + classes) - row;
    correct += best == static_cast<int64_t>(label);
  }
  std::printf("accuracy: %.4f (%lld/%lld)\n", double(correct) / batch,
              static_cast<long long>(correct), static_cast<long long>(batch));
  return Status::success();
}

/// Writes every (path, bytes) whose path is set, each atomically; when one
/// fails, removes those already written, so that an error leaves no output.
Status
writeOutputs(const std::vector<std::pair<std::string, std::string>> &files) {
  std::vector<std::string> written;
  for (const auto &[path, bytes] : files) {
    if (path.empty())
      continue;
    if (Status status = writeFileAtomic(path, bytes); !status) {
      for (const std::string &done : written)
        std::remove(done.c_str());
      return status;
    }
    written.push_back(path);
  }
  return Status::success();
}

/// Reads --input: float32 or float64, B x S x D, every value finite.
StatusOr<NpyArray> readInput(const Options &options) {
  StatusOr<NpyArray> array = readNpy(options.input);
  if (!array)
    return array.status();
  if (array->dtype != "<f4" && array->dtype != "<f8")
    return Status::error(
        options.input + ": dtype " + dtypeName(array->dtype) +
        "; inputs are float32 or float64 (scale integer data as the model "
        "was trained, e.g. images / 255, and save it as float32)");
  if (array->shape.size() != 3)
    return Status::error(options.input + ": input has shape " +
                         shapeToString(array->shape) +
                         ", expected batch x steps x features");
  for (size_t i = 0; i < array->data.size(); ++i)
    if (!std::isfinite(array->data[i])) {
      const int64_t steps = array->shape[1], features = array->shape[2];
      return Status::error(options.input + ": element [" +
                           std::to_string(i / (steps * features)) + ", " +
                           std::to_string(i / features % steps) + ", " +
                           std::to_string(i % features) + "] is " +
                           (std::isnan(array->data[i]) ? "NaN" : "infinite") +
                           "; inputs must be finite");
    }
  return array;
}

/// The index of flat element `i` of `shape`, as "[a, b, c]".
std::string indexOf(size_t i, const std::vector<int64_t> &shape) {
  std::string text;
  for (size_t d = shape.size(); d-- > 0;) {
    const size_t extent = shape[d] > 0 ? size_t(shape[d]) : 1;
    text = std::to_string(i % extent) + (text.empty() ? "" : ", ") + text;
    i /= extent;
  }
  return "[" + text + "]";
}

/// --expect: the output must equal the golden file within atol + rtol·|e|.
template <typename T>
Status checkExpected(const Options &options, const Tensor<T> &output) {
  StatusOr<NpyArray> golden = readNpy(options.expect);
  if (!golden)
    return golden.status();
  if (golden->dtype != "<f4" && golden->dtype != "<f8")
    return Status::error(options.expect + ": dtype " +
                         dtypeName(golden->dtype) +
                         "; a golden output is float32 or float64");
  if (golden->shape != output.shape)
    return Status::error("--expect: the output has shape " +
                         shapeToString(output.shape) + ", " + options.expect +
                         " has " + shapeToString(golden->shape));
  size_t bad = 0, worst = 0;
  double worstExcess = -1, maxRelative = 0;
  for (size_t i = 0; i < golden->data.size(); ++i) {
    const double got = output.data[i], want = golden->data[i];
    const double error = std::fabs(got - want);
    const double allowed = options.atol + options.rtol * std::fabs(want);
    // NaN fails every comparison, so it never matches.
    const bool ok = error <= allowed;
    const double excess = ok                  ? 0
                          : std::isnan(error) ? HUGE_VAL
                                              : error - allowed;
    if (!ok && excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
    bad += !ok;
    if (want != 0 && std::isfinite(error))
      maxRelative = std::max(maxRelative, error / std::fabs(want));
  }
  char line[512];
  if (bad == 0) {
    std::snprintf(line, sizeof line,
                  "expect: %zu elements match %s (rtol %g, atol %g; largest "
                  "relative error %.3g)\n",
                  golden->data.size(), options.expect.c_str(), options.rtol,
                  options.atol, maxRelative);
    std::fputs(line, stdout);
    return Status::success();
  }
  const double got = output.data[worst], want = golden->data[worst];
  std::snprintf(line, sizeof line,
                "%zu of %zu elements outside rtol %g + atol %g; worst at %s: "
                "got %.9g, expected %.9g (relative error %.3g)",
                bad, golden->data.size(), options.rtol, options.atol,
                indexOf(worst, golden->shape).c_str(), got, want,
                want != 0 ? std::fabs(got - want) / std::fabs(want)
                          : std::fabs(got - want));
  return Status::error("--expect " + options.expect + ": " + line);
}

/// `status` of a run from --initial-state: a state that does not fit the
/// model or the input is the state file's fault, and its message names it
/// (the runtimes lead such messages with "initial state: ").
Status blameStateFile(const Options &options, const Status &status) {
  const std::string &message = status.message();
  const size_t at = message.find("initial state: ");
  if (options.initialState.empty() || at == std::string::npos)
    return status;
  return Status::error(options.initialState + ": " + message.substr(at + 15));
}

/// Reads a spiking network's --initial-state: 'snn_state' (B x values) and
/// 'snn_timesteps' (B), as --dump-state writes them for a spiking network.
StatusOr<snn::SimulatorState> readSpikingState(const std::string &path) {
  StatusOr<std::vector<NpzArray>> arrays = readNpz(path);
  if (!arrays)
    return arrays.status();
  const NpyArray *values = findMember(*arrays, "snn_state"),
                 *ticks = findMember(*arrays, "snn_timesteps");
  if (!values || !ticks)
    return Status::error(path + ": a spiking network's state holds "
                                "'snn_state' and 'snn_timesteps', as "
                                "--dump-state writes them for a spiking "
                                "network");
  if (values->shape.size() != 2 || ticks->shape.size() != 1 ||
      ticks->shape[0] != values->shape[0])
    return Status::error(path +
                         ": 'snn_state' must be B x values and "
                         "'snn_timesteps' B, got " +
                         shapeToString(values->shape) + " and " +
                         shapeToString(ticks->shape));
  snn::SimulatorState state;
  state.batch = size_t(values->shape[0]);
  state.values = values->data;
  for (double t : ticks->data) {
    if (t != std::floor(t) || t < 0 || t > 9e15)
      return Status::error(path + ": 'snn_timesteps' must hold whole "
                                  "numbers >= 0");
    state.timesteps.push_back(int64_t(t));
  }
  return state;
}

/// Runs a spiking network with the simulator: the decoded output, the
/// accuracy, the events and synaptic operations per inference, and the
/// recorded events.
Status runSpiking(const Options &options, const snn::Network &network,
                  const Tensor<float> &input) {
  if (options.precision != "f32")
    return Status::error("--precision is for the reference interpreter; the "
                         "simulator computes in float64 or Loihi fixed point");
  if (!options.recordTrace.empty())
    return Status::error("--record-trace is for engram IR; " + options.model +
                         " is a spiking network (record its events with "
                         "--record)");
  if (options.bench)
    return Status::error("--bench is not available for spiking networks");
  if (input.dim(2) != static_cast<int64_t>(network.inputWidth))
    return Status::error(
        options.input + ": input has " + std::to_string(input.dim(2)) +
        " features; the network reads " + std::to_string(network.inputWidth));
  if (options.fixedPoint)
    if (Status status = snn::checkFixedPoint(network); !status)
      return Status::error(
          "--fixed-point: " + options.model + ": " + status.message() +
          "; convert the model for Loihi with engramc --snn-profile=loihi2");
  snn::RunOptions runOptions;
  runOptions.fixedPoint = options.fixedPoint;
  runOptions.record = !options.record.empty();
  std::optional<snn::SimulatorState> initial;
  if (!options.initialState.empty()) {
    StatusOr<snn::SimulatorState> state =
        readSpikingState(options.initialState);
    if (!state)
      return state.status();
    initial = std::move(*state);
  }
  StatusOr<snn::RunResult> result =
      snn::run(network, input.ptr(), input.dim(0), input.dim(1), runOptions,
               initial ? &*initial : nullptr);
  if (!result) {
    Status blamed = blameStateFile(options, result.status());
    return blamed.message() != result.status().message()
               ? blamed
               : result.status().withPrefix(options.input + ": ");
  }
  Tensor<float> output;
  output.shape = {input.dim(0), static_cast<int64_t>(result->outputSize)};
  output.data = result->output;
  double sequences = double(std::max<int64_t>(input.dim(0), 1));
  std::printf("snn: %lld sequences x %lld steps x %d timesteps (%s): %.1f "
              "events and %.1f synaptic ops per inference\n",
              static_cast<long long>(input.dim(0)),
              static_cast<long long>(input.dim(1)), network.timesteps,
              options.fixedPoint ? "fixed point" : "float",
              double(result->events) / sequences,
              double(result->synops) / sequences);
  if (!options.labels.empty())
    if (Status status = reportAccuracy(options, output); !status)
      return status;
  if (!options.expect.empty())
    if (Status status = checkExpected(options, output); !status)
      return status;
  std::string outputBytes, recordBytes, stateBytes;
  if (!options.output.empty())
    outputBytes = encodeNpy(output.shape, output.ptr());
  if (!options.dumpState.empty()) {
    const snn::SimulatorState &state = result->state;
    const int64_t width =
        state.batch ? int64_t(state.values.size() / state.batch) : 0;
    stateBytes = encodeNpz(
        {{"snn_state",
          encodeNpy({int64_t(state.batch), width}, state.values.data())},
         {"snn_timesteps",
          encodeNpy({int64_t(state.batch)}, state.timesteps.data())}});
  }
  if (!options.record.empty()) {
    std::vector<NpzMember> members;
    const int64_t ticks = input.dim(1) * network.timesteps;
    for (size_t p = 0; p < network.populations.size(); ++p)
      members.push_back(
          {network.populations[p].name,
           encodeNpy({input.dim(0), ticks,
                      static_cast<int64_t>(network.populations[p].size)},
                     result->record[p].data())});
    recordBytes = encodeNpz(members);
  }
  return writeOutputs({{options.output, outputBytes},
                       {options.record, recordBytes},
                       {options.dumpState, stateBytes}});
}

/// The input as float32, what the simulator reads.
Tensor<float> floatInput(const NpyArray &array) {
  Tensor<float> floats;
  floats.shape = array.shape;
  floats.data.assign(array.data.begin(), array.data.end());
  return floats;
}

/// Runs a Lava process graph (.pb) with the simulator in the graph's tag.
Status runLava(const Options &options, const NpyArray &array) {
  StatusOr<std::string> bytes = readFile(options.model);
  if (!bytes)
    return bytes.status();
  StatusOr<engram::lava::LavaNetwork> graph =
      engram::lava::importLava(*bytes, options.model);
  if (!graph)
    return graph.status();
  if (options.fixedPoint && !graph->fixedPoint)
    return Status::error("--fixed-point: " + options.model +
                         " is a floating_pt graph");
  Options spiking = options;
  spiking.fixedPoint = graph->fixedPoint;
  return runSpiking(spiking, graph->network, floatInput(array));
}

/// Reads --initial-state: the members 'h' and 'trace' of an .npz, as
/// --dump-state writes them (their shapes are checked against the model).
template <typename T> StatusOr<State<T>> readState(const std::string &path) {
  StatusOr<std::vector<NpzArray>> arrays = readNpz(path);
  if (!arrays)
    return arrays.status();
  State<T> state;
  for (const auto &member :
       {std::pair{"h", &state.hidden}, std::pair{"trace", &state.trace}}) {
    const std::string name = member.first;
    Tensor<T> *tensor = member.second;
    const NpyArray *array = findMember(*arrays, name);
    if (!array)
      return Status::error(path + ": no member '" + name +
                           "' (an initial state holds 'h' and 'trace', as "
                           "--dump-state writes them)");
    if (array->dtype != "<f4" && array->dtype != "<f8")
      return Status::error(path + ": member '" + name + "' has dtype " +
                           dtypeName(array->dtype) +
                           "; a state is float32 or float64");
    tensor->shape = array->shape;
    tensor->data.assign(array->data.begin(), array->data.end());
  }
  return state;
}

/// Runs a model (an artifact, a package or engram MLIR) on `input`: the
/// accuracy, the comparison, the benchmark and the outputs.
template <typename T>
Status runModel(const Options &options, const Tensor<T> &input) {
  bool hasState = false;
  std::unique_ptr<TraceRecording<T>> recording;
  if (!options.recordTrace.empty())
    recording = std::make_unique<TraceRecording<T>>(options.recording);
  std::optional<State<T>> initial;
  if (!options.initialState.empty()) {
    StatusOr<State<T>> state = readState<T>(options.initialState);
    if (!state)
      return state.status();
    initial = std::move(*state);
  }
  StatusOr<Runner<T>> runner = prepareModel(
      options, input, hasState, recording.get(), initial ? &*initial : nullptr);
  if (!runner)
    return runner.status();
  RunResult<T> result;
  if (Status status = (*runner)(result, /*states=*/true); !status)
    return blameStateFile(options, status);
  if (!options.dumpState.empty() && !hasState)
    return Status::error("--dump-state: the entry function does not return "
                         "the final states (h, trace)");
  if (!options.labels.empty())
    if (Status status = reportAccuracy(options, result.output); !status)
      return status;
  if (!options.expect.empty())
    if (Status status = checkExpected(options, result.output); !status)
      return status;
  if (options.bench) {
    Status status = CudaArtifact::isCudaArtifactPath(options.model)
                        ? benchmarkCuda(options, input)
                        : benchmark(*runner, input, options);
    if (!status)
      return status;
  }

  // Encode everything first so that a failure leaves no partial output.
  std::string outputBytes, stateBytes, recordingBytes;
  if (!options.output.empty())
    outputBytes = encodeNpy(result.output.shape, result.output.ptr());
  if (recording)
    recordingBytes = encodeNpz(recording->members());
  if (!options.dumpState.empty())
    stateBytes = encodeNpz(
        {{"h", encodeNpy(result.hidden.shape, result.hidden.ptr())},
         {"trace", encodeNpy(result.trace.shape, result.trace.ptr())}});
  return writeOutputs({{options.output, outputBytes},
                       {options.dumpState, stateBytes},
                       {options.recordTrace, recordingBytes}});
}

/// Reads --input and runs MODEL: a spiking network or Lava graph with the
/// simulator, anything else with runModel.
template <typename T> Status run(const Options &options) {
  StatusOr<NpyArray> array = readInput(options);
  if (!array)
    return array.status();
  if (endsWith(options.model, ".pb"))
    return runLava(options, *array);
#ifdef ENGRAM_RUN_WITH_MLIR
  if (endsWith(options.model, ".mlir")) {
    auto network = engram::tools::loadSnnNetwork(options.model);
    if (!network)
      return network.status();
    if (*network)
      return runSpiking(options, **network, floatInput(*array));
  }
#endif
  if (options.fixedPoint || !options.record.empty())
    return Status::error(
        std::string(options.fixedPoint ? "--fixed-point" : "--record") +
        " is for spiking networks (snn MLIR from engramc "
        "--emit=snn)");
  Tensor<T> input;
  input.shape = array->shape;
  input.data.assign(array->data.begin(), array->data.end());
  return runModel(options, input);
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  bool help = false, version = false;
  Status status = parseArguments(argc, argv, options, help, version);
  if (help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (version) {
#ifdef ENGRAM_RUN_WITH_MLIR
    const char *llvm = LLVM_VERSION_STRING " (with MLIR, for .mlir inputs)";
#else
    const char *llvm = "not linked (runtime-only build)";
#endif
    std::fputs(versionText("engram-run", llvm).c_str(), stdout);
    return 0;
  }
  if (status.ok() && options.printMetadata) {
    if (CudaArtifact::isCudaArtifactPath(options.model)) {
      // The metadata is in the file: no GPU needed to print it.
      StatusOr<CudaBundle> bundle = readCudaBundle(options.model);
      if (!bundle) {
        status = bundle.status();
      } else {
        std::printf("%s\n", bundle->metadata.dump().c_str());
        return 0;
      }
    } else if (!Artifact::isArtifactPath(options.model)) {
      status =
          Status::error(options.model + ": --print-metadata needs a "
                                        "compiled artifact (.so or .cuda)");
    } else if (auto artifact = Artifact::open(options.model); !artifact) {
      status = artifact.status();
    } else {
      std::printf("%s\n", (*artifact)->metadata().c_str());
      return 0;
    }
  } else if (status.ok()) {
    status =
        options.precision == "f64" ? run<double>(options) : run<float>(options);
  }
  if (!status.ok()) {
    std::fprintf(stderr, "engram-run: error: %s\n",
                 printable(status.message()).c_str());
    return 1;
  }
  return 0;
}
