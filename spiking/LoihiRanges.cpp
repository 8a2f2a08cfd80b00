//===- LoihiRanges.cpp - the ranges of Loihi's fixed-point LIF ------------===//

#include "spiking/LoihiRanges.h"

#include <string>

namespace engram::spiking::loihi {

Status LifParams::validate(size_t size) const {
  if (du < 0 || du > 4095 || dv < 0 || dv > 4095)
    return Status::error("du and dv must be in [0, 4095], got du=" +
                         std::to_string(du) + " dv=" + std::to_string(dv));
  if (vth < 0 || vth >= (1 << 17))
    return Status::error("vth must be in [0, 2^17), got " +
                         std::to_string(vth));
  if (biasMant.empty() != biasExp.empty())
    return Status::error("needs both bias_mant and bias_exp, or neither");
  if ((!biasMant.empty() && biasMant.size() != size) ||
      (!biasExp.empty() && biasExp.size() != size))
    return Status::error("bias_mant and bias_exp need one value per neuron (" +
                         std::to_string(size) + ")");
  for (int32_t m : biasMant)
    if (m < -(1 << 12) || m >= (1 << 12))
      return Status::error("bias_mant must fit 13 signed bits, got " +
                           std::to_string(m));
  for (int32_t e : biasExp)
    if (e < -7 || e > 7)
      return Status::error("bias_exp must be in [-7, 7], got " +
                           std::to_string(e));
  return Status::success();
}

} // namespace engram::spiking::loihi
