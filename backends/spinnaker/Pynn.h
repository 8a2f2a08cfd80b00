//===- Pynn.h - spiking networks as PyNN scripts ----------------*- C++ -*-===//
//
// engramc --target=spinnaker writes a PyNN script (pynn_template.py with the
// network's description filled in) and its weights beside it (an .npz). The
// script uses only the PyNN API, so it runs on pyNN.spiNNaker, pyNN.nest and
// pyNN.brian2 alike; docs/spinnaker.md gives the mapping. No MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_BACKENDS_SPINNAKER_PYNN_H
#define ENGRAM_BACKENDS_SPINNAKER_PYNN_H

#include "runtime/Snn.h"
#include "runtime/Status.h"

#include <string>

namespace engram::pynn {

struct PynnExport {
  std::string script; ///< the Python script
  std::string npz;    ///< its arrays, to be written beside it
};

/// The PyNN script of `network`; it loads its arrays from `npzName`, a path
/// relative to the script's directory. Graded populations (SpiNNaker has no
/// graded events), Loihi fixed-point LIF and learning rules other than
/// pair-based STDP are refused with a message naming them.
runtime::StatusOr<PynnExport> exportPynn(const runtime::snn::Network &network,
                                         const std::string &npzName,
                                         const std::string &producer);

} // namespace engram::pynn

#endif // ENGRAM_BACKENDS_SPINNAKER_PYNN_H
