//===- Artifact.cpp - loading compiled engram artifacts -------------------===//
//
// dlopen with RTLD_LOCAL, then every check before the first call: the
// symbols of the C ABI, the ABI version, the metadata's format and shapes.
//
//===----------------------------------------------------------------------===//

#include "runtime/Artifact.h"

#include "runtime/Json.h"

#include <dlfcn.h>

namespace engram::runtime {

struct Artifact::Api {
  int (*abiVersion)();
  const char *(*metadata)();
  void *(*create)();
  void (*destroy)(void *);
  int (*run)(void *, int64_t, int64_t, const float *, float *, int);
  /// Null for ABI version 1, which cannot start from a given state.
  int (*runFrom)(void *, int64_t, int64_t, const float *, float *, int,
                 const float *, const float *);
  int (*readStates)(const void *, float *, float *);
  const char *(*lastError)(const void *);
};

bool Artifact::isArtifactPath(const std::string &path) {
  return path.size() > 3 && path.compare(path.size() - 3, 3, ".so") == 0;
}

Artifact::~Artifact() {
  if (model_ && api_)
    api_->destroy(model_);
  if (handle_)
    dlclose(handle_);
}

namespace {

/// Reads a positive integer field of the metadata.
Status readInt(const nlohmann::json &object, const char *key, int64_t &out) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer() ||
      it->get<int64_t>() < 0)
    return Status::error(std::string("metadata field '") + key +
                         "' is missing or not an integer");
  out = it->get<int64_t>();
  return Status::success();
}

/// Whether this CPU has the vector extension `name`.
bool cpuSupports(const std::string &name) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (name == "sse4.1") return __builtin_cpu_supports("sse4.1");
  if (name == "sse4.2") return __builtin_cpu_supports("sse4.2");
  if (name == "avx") return __builtin_cpu_supports("avx");
  if (name == "avx2") return __builtin_cpu_supports("avx2");
  if (name == "fma") return __builtin_cpu_supports("fma");
  if (name == "avx512f") return __builtin_cpu_supports("avx512f");
  if (name == "avx512bw") return __builtin_cpu_supports("avx512bw");
  if (name == "avx512dq") return __builtin_cpu_supports("avx512dq");
  if (name == "avx512vl") return __builtin_cpu_supports("avx512vl");
#endif
  return true; // Not a feature this runtime knows how to check.
}

/// Refuses artifacts compiled for vector extensions this CPU lacks, which
/// would otherwise die of an illegal instruction.
Status checkCpuFeatures(const nlohmann::json &metadata) {
  auto target = metadata.find("target");
  if (target == metadata.end() || !target->is_object())
    return Status::success();
  auto required = target->find("required_features");
  if (required == target->end() || !required->is_array())
    return Status::success();
  std::string missing;
  for (const nlohmann::json &feature : *required)
    if (feature.is_string() && !cpuSupports(feature.get<std::string>()))
      missing += (missing.empty() ? "" : ", ") + feature.get<std::string>();
  if (missing.empty())
    return Status::success();
  auto cpu = target->find("cpu");
  return Status::error("compiled for " +
                       (cpu != target->end() && cpu->is_string()
                            ? cpu->get<std::string>()
                            : std::string("another CPU")) +
                       ", which has " + missing +
                       "; this CPU does not (recompile with engramc "
                       "--cpu=native or an older --cpu)");
}

} // namespace

StatusOr<ArtifactLayout> parseArtifactMetadata(const std::string &metadata) {
  StatusOr<nlohmann::json> json = parseJson(metadata);
  if (!json)
    return json.status().withPrefix("metadata: ");
  if (!json->is_object())
    return Status::error("metadata: expected a JSON object, got " +
                         describeJson(*json));
  auto format = json->find("format");
  if (format == json->end() || !format->is_string() ||
      format->get<std::string>() != kArtifactFormat)
    return Status::error("artifact format " +
                         (format == json->end()
                              ? std::string("missing")
                              : format->dump(-1, ' ', false,
                                             nlohmann::json::error_handler_t::
                                                 replace)) +
                         ", this engram-run reads \"" + kArtifactFormat + "\"");
  auto config = json->find("config"), output = json->find("output");
  if (config == json->end() || !config->is_object() || output == json->end() ||
      !output->is_object())
    return Status::error("metadata has no 'config' and 'output' objects");
  ArtifactLayout layout;
  Status status = readInt(*config, "input_dim", layout.inputDim);
  if (status)
    status = readInt(*output, "rank", layout.outputRank);
  if (status && layout.outputRank != 2 && layout.outputRank != 3)
    status = Status::error("metadata field 'rank' must be 2 or 3, got " +
                           std::to_string(layout.outputRank));
  if (status)
    status = readInt(*output, "units", layout.outputUnits);
  auto states = json->find("has_final_states");
  layout.hasStates =
      states != json->end() && states->is_boolean() && states->get<bool>();
  if (status && layout.hasStates) {
    status = readInt(*config, "hidden_dim", layout.hidden);
    if (status)
      status = readInt(*config, "memory_size", layout.slots);
    auto batching = config->find("trace_batching");
    layout.sharedTrace =
        batching != config->end() && *batching == nlohmann::json("batch_mean");
  }
  if (!status)
    return status;
  if (Status cpu = checkCpuFeatures(*json); !cpu)
    return cpu;
  return layout;
}

StatusOr<std::unique_ptr<Artifact>> Artifact::open(const std::string &path) {
  std::unique_ptr<Artifact> artifact(new Artifact());
  artifact->path_ = path;
  // A path without a slash would be searched for in the library path.
  std::string loadPath = path.find('/') == std::string::npos ? "./" + path
                                                             : path;
  artifact->handle_ = dlopen(loadPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!artifact->handle_)
    return Status::error(path + ": cannot load the artifact: " + dlerror());

  auto api = std::make_unique<Api>();
  api->runFrom = nullptr;
  auto bind = [&](const char *name, auto &slot) {
    slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(
        dlsym(artifact->handle_, name));
    return slot != nullptr;
  };
  if (!bind("engram_metadata", api->metadata) ||
      !bind("engram_abi_version", api->abiVersion))
    return Status::error(path + ": not an engram artifact (no engram_metadata "
                                "symbol)");
  const int version = api->abiVersion();
  if (version < kOldestArtifactAbiVersion || version > kArtifactAbiVersion)
    return Status::error(path + ": artifact ABI version " +
                         std::to_string(version) +
                         ", this engram-run reads versions " +
                         std::to_string(kOldestArtifactAbiVersion) + " to " +
                         std::to_string(kArtifactAbiVersion) +
                         " (recompile it with this engramc)");
  artifact->abiVersion_ = version;
  if (version >= 2 && !bind("engram_run_from", api->runFrom))
    return Status::error(path + ": incomplete engram artifact (ABI version " +
                         std::to_string(version) + " without engram_run_from)");
  if (!bind("engram_create", api->create) ||
      !bind("engram_destroy", api->destroy) || !bind("engram_run", api->run) ||
      !bind("engram_read_states", api->readStates) ||
      !bind("engram_last_error", api->lastError))
    return Status::error(path + ": incomplete engram artifact (missing "
                                "functions of the C ABI)");
  artifact->api_ = std::move(api);
  artifact->metadata_ = artifact->api_->metadata();
  StatusOr<ArtifactLayout> layout = parseArtifactMetadata(artifact->metadata_);
  if (!layout)
    return layout.status().withPrefix(path + ": ");
  artifact->layout_ = *layout;
  artifact->model_ = artifact->api_->create();
  if (!artifact->model_)
    return Status::error(path + ": cannot create a model instance");
  return artifact;
}

/// Gives `tensor` the shape `shape`, reallocating only when it changes.
static void reshape(Tensor<float> &tensor, std::vector<int64_t> shape) {
  if (tensor.shape != shape)
    tensor = Tensor<float>(std::move(shape));
}

Status Artifact::checkResumable() const {
  if (!layout_.hasStates)
    return Status::error(path_ + ": this artifact returns no final states, "
                                 "so it cannot start from a given state");
  if (!api_->runFrom)
    return Status::error(path_ + ": artifact ABI version " +
                         std::to_string(abiVersion_) +
                         " cannot start from a given state (recompile it "
                         "with this engramc for version " +
                         std::to_string(kArtifactAbiVersion) + ")");
  return Status::success();
}

Status Artifact::checkInitialState(const State<float> &initial,
                                   int64_t batch) const {
  if (Status status = checkResumable(); !status)
    return status;
  if (Status status = checkStateValues(initial, stateShape(batch)); !status)
    return status.withPrefix("initial state: ");
  return Status::success();
}

Status Artifact::run(const Tensor<float> &input, int threads,
                     RunResult<float> &result, const State<float> *initial) {
  if (Status status = checkInputShape(input.shape, layout_.inputDim); !status)
    return status;
  const int64_t batch = input.dim(0), steps = input.dim(1);
  if (initial)
    if (Status status = checkInitialState(*initial, batch); !status)
      return status;
  reshape(result.output, outputShape(batch, steps));
  return runBuffers(input.ptr(), batch, steps, result.output.ptr(), threads,
                    initial ? initial->hidden.ptr() : nullptr,
                    initial ? initial->trace.ptr() : nullptr);
}

std::vector<int64_t> Artifact::outputShape(int64_t batch, int64_t steps) const {
  const int64_t units = layout_.outputUnits;
  return layout_.outputRank == 2 ? std::vector<int64_t>{batch, units}
                                 : std::vector<int64_t>{batch, steps, units};
}

StatusOr<Tensor<float>> Artifact::initialTrace(int64_t batch) const {
  auto *t0 = static_cast<const float *>(dlsym(handle_, "engram_initial_trace"));
  if (!layout_.hasStates || !t0)
    return Status::error(path_ + ": the artifact does not say its initial "
                                 "trace (ABI version 2 with final states "
                                 "does)");
  const int64_t cell = layout_.slots * layout_.hidden;
  Tensor<float> trace(stateShape(batch).traceShape());
  for (int64_t i = 0; i < trace.size(); i += cell)
    std::copy_n(t0, cell, trace.ptr() + i);
  return trace;
}

bool Artifact::canResume() const { return bool(checkResumable()); }

StateShape Artifact::stateShape(int64_t batch) const {
  return {batch, layout_.hidden, layout_.slots, layout_.sharedTrace};
}

Status Artifact::runBuffers(const float *input, int64_t batch, int64_t steps,
                            float *output, int threads, const float *hidden0,
                            const float *trace0) {
  const bool resume = hidden0 || trace0;
  if (resume)
    if (Status status = checkResumable(); !status)
      return status;
  int failed = resume ? api_->runFrom(model_, batch, steps, input, output,
                                      threads, hidden0, trace0)
                      : api_->run(model_, batch, steps, input, output, threads);
  if (failed != 0)
    return Status::error(path_ + ": " + api_->lastError(model_));
  lastBatch_ = batch;
  return Status::success();
}

Status Artifact::readStateBuffers(float *hidden, float *trace) {
  if (!layout_.hasStates)
    return Status::success();
  if (api_->readStates(model_, hidden, trace) != 0)
    return Status::error(path_ + ": cannot read the final states");
  return Status::success();
}

Status Artifact::readStates(RunResult<float> &result) {
  if (!layout_.hasStates)
    return Status::success();
  const StateShape shape = stateShape(lastBatch_);
  reshape(result.hidden, shape.hiddenShape());
  reshape(result.trace, shape.traceShape());
  return readStateBuffers(result.hidden.ptr(), result.trace.ptr());
}

} // namespace engram::runtime
