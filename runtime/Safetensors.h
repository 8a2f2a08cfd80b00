//===- Safetensors.h - reading float32 safetensors files --------*- C++ -*-===//
//
// The weights file of a model package: an 8-byte little-endian header
// length, a JSON header mapping each tensor name to dtype, shape and byte
// offsets into the data section, then the data. Every inconsistency is an
// error that names the tensor and field.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_RUNTIME_SAFETENSORS_H
#define ENGRAM_RUNTIME_SAFETENSORS_H

#include "runtime/Model.h"
#include "runtime/Status.h"

#include <map>
#include <string>

namespace engram::runtime {

/// Parses the bytes of a safetensors file (errors carry no file name).
StatusOr<std::map<std::string, WeightTensor>>
parseSafetensors(const std::string &bytes);

/// Reads and parses `path`; errors are prefixed with the path.
StatusOr<std::map<std::string, WeightTensor>>
readSafetensors(const std::string &path);

/// Serializes `tensors` as safetensors (F32, in name order).
std::string
serializeSafetensors(const std::map<std::string, WeightTensor> &tensors);

} // namespace engram::runtime

#endif // ENGRAM_RUNTIME_SAFETENSORS_H
