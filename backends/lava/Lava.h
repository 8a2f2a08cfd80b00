//===- Lava.h - spiking networks as Lava process graphs ---------*- C++ -*-===//
//
// The Lava export of engram (engram_lava.proto, docs/lava.md): a network of
// the simulator becomes a graph of Lava processes (RingBuffer sources, LIF,
// SigmaDelta, Dense, Sparse, DelayDense, DelaySparse, LearningDense) and
// port-to-port connections; the importer reads such a graph back, so that
// engram-run simulates exactly what lava_loader.py builds. No MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_BACKENDS_LAVA_LAVA_H
#define ENGRAM_BACKENDS_LAVA_LAVA_H

#include "runtime/Snn.h"
#include "runtime/Status.h"

#include <string>

namespace engram::lava {

/// The schema version this build writes and the newest it reads.
inline constexpr unsigned kSchemaVersion = 1;

/// Serializes `network` as an engram.lava.v1.Network. Integrate-and-fire
/// populations have no Lava process (Lava's LIF resets to zero) and float
/// graded units none either; both are refused with a message that names the
/// population. `producer` is recorded in the file.
runtime::StatusOr<std::string> exportLava(const runtime::snn::Network &network,
                                          const std::string &producer);

struct LavaNetwork {
  runtime::snn::Network network;
  /// The graph's tag: fixed_pt (simulate in Loihi fixed point) or
  /// floating_pt.
  bool fixedPoint = true;
};

/// Reads a serialized graph; every problem is reported with `path` and the
/// process or field at fault.
runtime::StatusOr<LavaNetwork> importLava(const std::string &bytes,
                                          const std::string &path);

} // namespace engram::lava

#endif // ENGRAM_BACKENDS_LAVA_LAVA_H
