//===- PackedBank.h - a quantized memory bank as artifacts store it -*- C++
//-*-===//
//
// The integers of a quantized bank (docs/quantization.md), packed row by
// row: 8-bit values one to a byte; 4-bit values two to a byte, two's
// complement, the even column in the low nibble; signs eight to a byte, bit
// c mod 8 of the row's byte c / 8 set for +1. A pruned bank is stored
// densified, its dropped entries 0; a pruned binary bank therefore holds
// zeros besides its signs and is stored as 4-bit values. The CPU artifact
// and the CUDA artifact both use this layout.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_PACKEDBANK_H
#define ENGRAM_RUNTIME_PACKEDBANK_H

#include "runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace engram::runtime {

/// How a bank of `bits`-bit integers (8, 4 or 1) is packed: its values per
/// byte (1, 2 or 8). `pruned`: the bank holds zeros besides its values.
int64_t bankValuesPerByte(int64_t bits, bool pruned);

/// The largest magnitude a `bits`-bit bank stores: 127, 7, or 1 (signs).
inline int64_t bankMaxInteger(int64_t bits) {
  return bits == 1 ? 1 : (int64_t(1) << (bits - 1)) - 1;
}

/// Bytes of one packed row of `width` values.
inline int64_t packedRowBytes(int64_t width, int64_t perByte) {
  return (width + perByte - 1) / perByte;
}

/// The rows×width integers `dense` (row major) packed, `perByte` to a byte.
std::string packBankRows(const std::vector<int64_t> &dense, int64_t rows,
                         int64_t width, int64_t perByte);

/// The integer at (`row`, `column`) of a bank packed by packBankRows.
int64_t packedBankValue(const std::string &packed, int64_t width,
                        int64_t perByte, int64_t row, int64_t column);

/// A quantized bank as it is stored: its format, packed integers and scales.
struct PackedBank {
  int64_t bits = 8;    ///< 8, 4 or 1
  int64_t perByte = 1; ///< bankValuesPerByte(bits, pruned)
  bool rowScale = true;
  int64_t rows = 0, width = 0;
  std::string values;        ///< rows × packedRowBytes(width, perByte)
  std::vector<float> scales; ///< one per row, or one

  /// The float32 bank q·scale, row major (as the compiler computes it).
  std::vector<float> dequantize() const;
  /// Checks the format and the sizes and ranges of the data; messages name
  /// the field (`where`.bits, `where`.values, ...).
  Status validate(const std::string &where) const;
};

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_PACKEDBANK_H
