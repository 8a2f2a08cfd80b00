//===- NirCommon.h - helpers shared by the NIR exporter and importer -*- C++
//-*-===//

#ifndef ENGRAM_BACKENDS_NIR_NIRCOMMON_H
#define ENGRAM_BACKENDS_NIR_NIRCOMMON_H

#include <cstdio>
#include <string>
#include <vector>

namespace engram::nir::detail {

/// `value` with up to 10 significant digits, for messages.
inline std::string str(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

/// `n` copies of `value`: NIR stores one parameter per neuron.
inline std::vector<double> filled(size_t n, double value) {
  return std::vector<double>(n, value);
}

} // namespace engram::nir::detail

#endif // ENGRAM_BACKENDS_NIR_NIRCOMMON_H
