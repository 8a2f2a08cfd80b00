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

/// The discretization engram assumes: forward Euler with this timestep (in
/// NIR's time unit), the convention of snnTorch's NIR export.
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

struct NirImportOptions {
  /// Timestep of the discretization; 0: the file's metadata, else
  /// kDefaultDt.
  double dt = 0;
  /// Timesteps per input row; 0: the file's metadata, else 1.
  int timesteps = 0;
};

/// Reads the NIR file at `path` into a network; every problem is reported
/// with `path` and the node at fault.
runtime::StatusOr<runtime::snn::Network>
importNir(const std::string &path, const NirImportOptions &options);

} // namespace engram::nir

#endif // ENGRAM_BACKENDS_NIR_NIR_H
