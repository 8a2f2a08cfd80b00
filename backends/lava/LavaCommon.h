//===- LavaCommon.h - what the Lava export and import share -----*- C++ -*-===//
//
// The fixed-point format of graded payloads, the printing of numbers in
// messages and the sign mode of a projection's weights, as both directions
// of backends/lava write and read them.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_BACKENDS_LAVA_LAVACOMMON_H
#define ENGRAM_BACKENDS_LAVA_LAVACOMMON_H

#include "backends/lava/engram_lava.pb.h"
#include "runtime/LoihiFixed.h"
#include "runtime/Snn.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace engram::lava {

namespace pb = engram::lava::v1;

/// Fraction bits of graded payloads in the graph.
inline constexpr int kFractionBits = runtime::snn::kGradedFractionBits;

/// `value` for a message.
inline std::string str(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

/// The sign mode Lava's Dense needs for `weights`.
inline pb::SignMode signMode(const std::vector<int32_t> &weights) {
  namespace loihi = runtime::loihi;
  switch (loihi::signModeOf(weights)) {
  case loihi::SignMode::Mixed:
    return pb::SIGN_MODE_MIXED;
  case loihi::SignMode::Excitatory:
    return pb::SIGN_MODE_EXCITATORY;
  case loihi::SignMode::Inhibitory:
    return pb::SIGN_MODE_INHIBITORY;
  }
  return pb::SIGN_MODE_NULL;
}

/// The sign mode of projection `q`'s Dense: MIXED for weights learned in
/// Loihi's integers (they may take either sign), else what its weights
/// need.
inline pb::SignMode signMode(const runtime::snn::Projection &q) {
  return q.y3Shift ? pb::SIGN_MODE_MIXED : signMode(q.weights);
}

} // namespace engram::lava

#endif // ENGRAM_BACKENDS_LAVA_LAVACOMMON_H
