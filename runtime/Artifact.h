//===- Artifact.h - loading compiled engram artifacts -----------*- C++ -*-===//
//
// Opens a CPU artifact made by `engramc --target=cpu` (a shared object with
// the C ABI of backends/cpu/runtime/engram_artifact.h), checks its format
// and runs it. No LLVM or MLIR is involved.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_ARTIFACT_H
#define ENGRAM_RUNTIME_ARTIFACT_H

#include "runtime/PackageInterpreter.h"
#include "runtime/Status.h"
#include "runtime/Tensor.h"

#include <memory>
#include <string>

namespace engram::runtime {

/// The artifact format this runtime reads.
inline constexpr const char *kArtifactFormat = "engram-artifact/1";
inline constexpr int kArtifactAbiVersion = 2;
/// Version 1 artifacts still run, from h = 0 and T = T₀ only.
inline constexpr int kOldestArtifactAbiVersion = 1;

/// What the runtime needs from an artifact's metadata JSON.
struct ArtifactLayout {
  int64_t inputDim = 0, outputRank = 0, outputUnits = 0;
  int64_t hidden = 0, slots = 0;
  bool hasStates = false, sharedTrace = false;
};

/// Checks the metadata JSON of a CPU artifact (format, shapes, the CPU
/// features it needs) and returns its layout; errors carry no file name.
StatusOr<ArtifactLayout> parseArtifactMetadata(const std::string &metadata);

class Artifact {
public:
  /// Opens `path`; errors say what is wrong with the file.
  static StatusOr<std::unique_ptr<Artifact>> open(const std::string &path);
  ~Artifact();

  /// The artifact's metadata JSON.
  const std::string &metadata() const { return metadata_; }
  int64_t inputDim() const { return layout_.inputDim; }
  bool hasFinalStates() const { return layout_.hasStates; }

  /// Runs `input` (B×S×D) on `threads` threads into `result.output` (reused
  /// when its shape is already right), from `initial` (h = 0 and T = T₀
  /// when null; ABI version 2); the final states stay in the artifact
  /// until readStates.
  Status run(const Tensor<float> &input, int threads, RunResult<float> &result,
             const State<float> *initial = nullptr);
  /// run on caller-owned buffers, for bindings that avoid copies: `input`
  /// B×S×D, `output` outputShape(B, S), the optional initial state as
  /// stateShape(B) says (checked by the caller; both null: h = 0, T = T₀).
  Status runBuffers(const float *input, int64_t batch, int64_t steps,
                    float *output, int threads, const float *hidden0,
                    const float *trace0);
  /// readStates into caller-owned buffers of stateShape(last batch).
  Status readStateBuffers(float *hidden, float *trace);
  std::vector<int64_t> outputShape(int64_t batch, int64_t steps) const;
  StateShape stateShape(int64_t batch) const;
  /// Whether run may start from a given state (ABI 2, with final states);
  /// checkResumable says why not.
  bool canResume() const;
  Status checkResumable() const;
  /// Checks `initial` for a run of `batch` sequences.
  Status checkInitialState(const State<float> &initial, int64_t batch) const;

  /// The trace a run of `batch` sequences starts from by default (T₀ of
  /// every sequence, or the shared N×H); ABI version 2.
  StatusOr<Tensor<float>> initialTrace(int64_t batch) const;

  /// The artifact's ABI version (1 or 2).
  int abiVersion() const { return abiVersion_; }

  /// Copies the final states of the last run into `result.hidden` and
  /// `result.trace`; a no-op for artifacts without final states.
  Status readStates(RunResult<float> &result);

  /// True when `path` names a shared object by its suffix.
  static bool isArtifactPath(const std::string &path);

private:
  struct Api;
  Artifact() = default;

  std::string path_, metadata_;
  void *handle_ = nullptr;
  std::unique_ptr<Api> api_;
  void *model_ = nullptr;
  ArtifactLayout layout_;
  int64_t lastBatch_ = 0;
  int abiVersion_ = 0;
};

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_ARTIFACT_H
