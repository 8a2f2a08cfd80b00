//===- CudaBundle.h - the CUDA artifact file format -------------*- C++ -*-===//
//
// A CUDA artifact (`engramc --target=cuda -o model.cuda`) is one file:
//
//   bytes 0..7    magic "ENGRAMCU"
//   bytes 8..15   L, the length of the metadata JSON, uint64 little endian
//   bytes 16..    the metadata JSON (L bytes, UTF-8)
//   then          binary sections, each starting at a multiple of 256 bytes
//                 from the start of the file, placed by the metadata's
//                 "sections" map: "cubin", "ptx" (NUL-free text) and one
//                 float32 little-endian section per weight tensor, named as
//                 in the model package ("cell.encoder.kernel", ...). A
//                 quantized bank is stored packed instead of as the float32
//                 "cell.memory": its integers in "cell.memory.values"
//                 (runtime/PackedBank.h's layout), its float32 scales in
//                 "cell.memory.scales", its format in the metadata's
//                 "memory_storage" (bits, values_per_byte, scale).
//
// The metadata names the format and the kernel ABI version, describes the
// model (so the host can size buffers and derive the kernels' parameters)
// and holds the launch plan: the kernels and the batch sizes each one
// serves. The reader checks everything before anything reaches a GPU.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_CUDABUNDLE_H
#define ENGRAM_RUNTIME_CUDABUNDLE_H

#include "runtime/Model.h"
#include "runtime/PackedBank.h"
#include "runtime/Status.h"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engram::runtime {

/// The format this runtime reads and writes.
inline constexpr const char *kCudaArtifactFormat = "engram-cuda-artifact/1";
/// The first 8 bytes of every CUDA artifact.
inline constexpr std::string_view kCudaArtifactMagic = "ENGRAMCU";
/// Magic plus the metadata length.
inline constexpr uint64_t kCudaArtifactHeaderBytes = 16;
/// Every section starts at a multiple of this, from the start of the file.
inline constexpr uint64_t kCudaSectionAlignment = 256;
/// The sections of a packed (quantized) memory bank.
inline constexpr const char *kPackedBankValuesSection = "cell.memory.values";
inline constexpr const char *kPackedBankScalesSection = "cell.memory.scales";

/// One entry of the launch plan: a kernel of the cubin and the batch sizes
/// it serves. The host launches ceil(B / tile) blocks of `threads` threads.
struct CudaKernelEntry {
  /// The kernel's (mangled or extern "C") name in the module.
  std::string name;
  /// Sequences per block.
  int64_t tile = 1;
  int64_t threads = 128;
  int64_t dynamicSmemBytes = 0;
  /// Launched with cuLaunchCooperativeKernel (grid-wide synchronisation).
  bool cooperative = false;
  /// The batch sizes this entry serves, both ends included.
  int64_t minBatch = 1, maxBatch = INT32_MAX;
  /// Scratch floats the kernel needs per block; absent: N×H for cooperative
  /// kernels (per-block partial sums of the batch_mean trace update), else 0.
  std::optional<int64_t> scratchFloatsPerBlock;

  bool serves(int64_t batch) const {
    return batch >= minBatch && batch <= maxBatch;
  }
  int64_t gridFor(int64_t batch) const { return (batch + tile - 1) / tile; }
  /// Scratch floats of a launch of `grid` blocks for `config`.
  int64_t scratchFloats(int64_t grid, const ModelConfig &config) const;
};

/// A CUDA artifact in memory.
struct CudaBundle {
  ModelConfig config;
  /// The launch plan; the host takes the first entry that serves the batch.
  std::vector<CudaKernelEntry> kernels;
  /// Free-form description of the code ("arch": "sm_90", the producer, ...),
  /// stored as the metadata's "target" object.
  nlohmann::json target = nlohmann::json::object();
  /// Section name → bytes: "cubin", "ptx" and one per float weight tensor
  /// (a packed bank's sections are written from, and read into, `memory`).
  std::map<std::string, std::string> sections;
  /// The kernels' hidden width when the model's is not a multiple of
  /// ENGRAM_CUDA_HIDDEN_MULTIPLE (the weights stay unpadded in the file and
  /// are padded when loaded, runtime/HiddenPadding.h); 0: the model's own.
  int64_t paddedHidden = 0;
  /// The kernels' hidden width: paddedHidden, or the model's hidden_dim.
  int64_t kernelHidden() const {
    return paddedHidden ? paddedHidden : config.cell.hiddenDim;
  }
  /// A quantized bank, stored packed instead of the float32 "cell.memory"
  /// section (cudaBundleModel dequantizes it); none for a float bank.
  std::optional<PackedBank> memory;
  /// The metadata JSON as stored in the file; set by decodeCudaBundle and
  /// readCudaBundle (the writer builds the JSON from the fields above).
  nlohmann::json metadata;

  /// The bytes of section `name`, or null.
  const std::string *section(const std::string &name) const;
};

/// A bundle for `model`: its configuration, one float32 section per weight,
/// the code and the launch plan.
CudaBundle makeCudaBundle(const Model &model, std::string cubin,
                          std::string ptx,
                          std::vector<CudaKernelEntry> kernels);

/// The float32 bytes of weight `name` of a (valid) bundle: its section, or
/// for "cell.memory" of a packed bank, the bank dequantized; none when the
/// bundle has no such weight.
std::optional<std::string> cudaBundleWeight(const CudaBundle &bundle,
                                            const std::string &name);

/// The model a (valid) bundle describes, weights included.
Model cudaBundleModel(const CudaBundle &bundle);

/// The metadata's "model" object for `config`.
nlohmann::json cudaModelJson(const ModelConfig &config);

/// The bytes of the file for `bundle`; fails, with the reader's message,
/// when the bundle would not read back.
StatusOr<std::string> encodeCudaBundle(const CudaBundle &bundle);

/// Parses and checks the bytes of a CUDA artifact; messages start with
/// "<path>: " when `path` is not empty.
StatusOr<CudaBundle> decodeCudaBundle(std::string_view bytes,
                                      const std::string &path);

/// Writes `bundle` to `path` atomically (a temporary beside it, then a
/// rename), so that a failure never leaves a partial file.
Status writeCudaBundle(const std::string &path, const CudaBundle &bundle);

/// Reads and checks the CUDA artifact at `path`.
StatusOr<CudaBundle> readCudaBundle(const std::string &path);

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_CUDABUNDLE_H
