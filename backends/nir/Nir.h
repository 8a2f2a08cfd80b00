//===- Nir.h - spiking networks as NIR graphs (HDF5) ------------*- C++ -*-===//
//
// NIR, the Neuromorphic Intermediate Representation, stores a graph of
// continuous-time nodes (Input, Affine, Linear, IF, LIF, CubaLIF, Threshold,
// Scale, Delay, Output) in HDF5. The exporter writes NIR's own layout, which
// nir.read and the tools built on it (snnTorch, Norse, Sinabs, ...) load, and
// adds engram's exact parameters as node metadata, which other tools ignore;
// the importer reads either. docs/nir.md gives the mapping. No MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_BACKENDS_NIR_NIR_H
#define ENGRAM_BACKENDS_NIR_NIR_H

#include "runtime/Snn.h"
#include "runtime/Status.h"

#include <string>
#include <vector>

namespace engram::nir {

/// The NIR version written into the files.
inline constexpr const char *kNirVersion = "1.0.7";

/// The timestep (in NIR's time unit) of a file that names none, the
/// convention of snnTorch's NIR export.
inline constexpr double kDefaultDt = 1e-4;

struct NirExport {
  std::string bytes; ///< the HDF5 file
  /// What NIR cannot hold and the file therefore lacks (learning rules),
  /// one sentence each, for the user.
  std::vector<std::string> dropped;
};

/// The NIR graph of `network`, in memory. Graded ReLU units (NIR has no
/// ReLU) and networks with several input populations are refused with a
/// message naming the population.
runtime::StatusOr<NirExport> exportNir(const runtime::snn::Network &network,
                                       const std::string &producer);

/// When an imported projection delivers (runtime::snn::Projection::latency).
enum class NirLatency {
  /// As engram's export recorded it per projection, else as Nir.
  FromFile,
  /// NIR's equations: within the timestep (latency 0), but one timestep on
  /// the edges that close a cycle without a Delay, as NIR's simulators
  /// feed a recurrent layer its previous output.
  Nir,
  /// engram's and Lava's model: one timestep per projection.
  Engram,
};

/// How NIR's continuous-time equations become timesteps of dt.
enum class NirIntegration {
  /// As engram's export recorded it, else Zoh.
  FromFile,
  /// Exact over dt with the input held (zero-order hold): a leak of
  /// exp(−dt/τ) per step, the input scaled by 1 − exp(−dt/τ).
  Zoh,
  /// Forward Euler: a leak of 1 − dt/τ, the input scaled by dt/τ.
  Euler,
};

struct NirImportOptions {
  /// Timestep of the discretization; 0: the file's metadata, else
  /// kDefaultDt.
  double dt = 0;
  /// Timesteps per input row; 0: the file's metadata, else 1.
  int timesteps = 0;
  NirLatency latency = NirLatency::FromFile;
  NirIntegration integration = NirIntegration::FromFile;
};

/// Reads the NIR file at `path` into a network; every problem is reported
/// with `path` and the node at fault.
runtime::StatusOr<runtime::snn::Network>
importNir(const std::string &path, const NirImportOptions &options);

} // namespace engram::nir

#endif // ENGRAM_BACKENDS_NIR_NIR_H
