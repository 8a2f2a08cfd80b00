//===- PackedBank.cpp - a quantized memory bank as artifacts store it -----===//

#include "runtime/PackedBank.h"

#include <cmath>

namespace engram::runtime {

int64_t bankValuesPerByte(int64_t bits, bool pruned) {
  if (bits == 1)
    return pruned ? 2 : 8;
  return bits == 4 ? 2 : 1;
}

std::string packBankRows(const std::vector<int64_t> &dense, int64_t rows,
                         int64_t width, int64_t perByte) {
  const int64_t rowBytes = packedRowBytes(width, perByte);
  std::string packed(size_t(rows * rowBytes), '\0');
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < width; ++c) {
      auto &byte =
          reinterpret_cast<uint8_t &>(packed[r * rowBytes + c / perByte]);
      int64_t q = dense[r * width + c];
      if (perByte == 2)
        byte |= uint8_t((q & 0xF) << (4 * (c % 2)));
      else if (perByte == 8)
        byte |= uint8_t((q > 0 ? 1 : 0) << (c % 8));
      else
        byte = uint8_t(int8_t(q));
    }
  return packed;
}

int64_t packedBankValue(const std::string &packed, int64_t width,
                        int64_t perByte, int64_t row, int64_t column) {
  uint8_t byte =
      uint8_t(packed[row * packedRowBytes(width, perByte) + column / perByte]);
  if (perByte == 2) {
    int64_t nibble = (byte >> (4 * (column % 2))) & 0xF;
    return nibble >= 8 ? nibble - 16 : nibble;
  }
  if (perByte == 8)
    return (byte >> (column % 8)) & 1 ? 1 : -1;
  return int8_t(byte);
}

std::vector<float> PackedBank::dequantize() const {
  std::vector<float> bank(size_t(rows * width));
  for (int64_t r = 0; r < rows; ++r) {
    float scale = scales[rowScale ? r : 0];
    for (int64_t c = 0; c < width; ++c)
      bank[r * width + c] =
          float(packedBankValue(values, width, perByte, r, c)) * scale;
  }
  return bank;
}

/// Checks the bits, the packing and the sizes of `bank`'s data.
static Status checkFormat(const PackedBank &bank, const std::string &where) {
  const int64_t bits = bank.bits, perByte = bank.perByte;
  if (bank.rows < 1 || bank.width < 1)
    return Status::error(where + ": a bank of " + std::to_string(bank.rows) +
                         "x" + std::to_string(bank.width) + " values");
  if (bits != 8 && bits != 4 && bits != 1)
    return Status::error(where + ".bits: " + std::to_string(bits) +
                         " (expected 8, 4 or 1)");
  if (perByte != bankValuesPerByte(bits, false) &&
      perByte != bankValuesPerByte(bits, true))
    return Status::error(
        where + ".values_per_byte: " + std::to_string(perByte) +
        " cannot hold " + std::to_string(bits) + "-bit values (expected " +
        std::to_string(bankValuesPerByte(bits, false)) +
        (bits == 1 ? ", or 2 for a pruned bank)" : ")"));
  uint64_t expected = uint64_t(bank.rows) * packedRowBytes(bank.width, perByte);
  if (bank.values.size() != expected)
    return Status::error(
        where + ".values: " + std::to_string(bank.values.size()) +
        " bytes, expected " + std::to_string(expected) + " (" +
        std::to_string(bank.rows) + " rows of " + std::to_string(bank.width) +
        " values, " + std::to_string(perByte) + " to a byte)");
  size_t scaleCount = bank.rowScale ? size_t(bank.rows) : 1;
  if (bank.scales.size() != scaleCount)
    return Status::error(where +
                         ".scales: " + std::to_string(bank.scales.size()) +
                         " scales, expected " + std::to_string(scaleCount));
  for (size_t i = 0; i < bank.scales.size(); ++i)
    if (!std::isfinite(bank.scales[i]) || !(bank.scales[i] > 0))
      return Status::error(where + ".scales[" + std::to_string(i) +
                           "]: not a positive finite number");
  return Status::success();
}

/// Checks that every stored integer is in range and that the bits a row's
/// last byte does not use are 0 (so that a bank has one encoding).
static Status checkValues(const PackedBank &bank, const std::string &where) {
  const int64_t limit = bankMaxInteger(bank.bits);
  const int64_t rowBytes = packedRowBytes(bank.width, bank.perByte);
  const int64_t used = bank.width - (rowBytes - 1) * bank.perByte;
  const unsigned usedBits = unsigned(used * (8 / bank.perByte));
  for (int64_t r = 0; r < bank.rows; ++r) {
    uint8_t last = uint8_t(bank.values[(r + 1) * rowBytes - 1]);
    if (usedBits < 8 && (last >> usedBits) != 0)
      return Status::error(where + ".values: row " + std::to_string(r) +
                           " has non-zero bits past its last value");
    for (int64_t c = 0; c < bank.width; ++c) {
      int64_t q = packedBankValue(bank.values, bank.width, bank.perByte, r, c);
      if (std::abs(q) > limit)
        return Status::error(where + ".values: " + std::to_string(q) +
                             " at row " + std::to_string(r) + ", column " +
                             std::to_string(c) + " is outside [-" +
                             std::to_string(limit) + ", " +
                             std::to_string(limit) + "]");
    }
  }
  return Status::success();
}

Status PackedBank::validate(const std::string &where) const {
  if (Status status = checkFormat(*this, where); !status.ok())
    return status;
  return checkValues(*this, where);
}

} // namespace engram::runtime
