//===- ConstantData.h - reading the data of constant attributes -*- C++ -*-===//
//
// Float and integer contents of the ElementsAttr kinds engram IR uses for
// weights: dense elements and dense resources (whose blob may be missing
// when the IR was printed with elided resources).
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_PASSES_CONSTANTDATA_H
#define ENGRAM_PASSES_CONSTANTDATA_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace mlir::engram {

/// The float32 values of `attr`, or failure if it holds something else or
/// its resource blob is missing.
inline FailureOr<SmallVector<float>> readFloats(ElementsAttr attr) {
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef();
    if (!data)
      return failure();
    return SmallVector<float>(data->begin(), data->end());
  }
  if (auto dense = dyn_cast<DenseFPElementsAttr>(attr)) {
    SmallVector<float> values;
    for (const APFloat &value : dense.getValues<APFloat>())
      values.push_back(static_cast<float>(value.convertToDouble()));
    return values;
  }
  return failure();
}

/// The integer values of `attr`, or failure.
inline FailureOr<SmallVector<int64_t>> readIntegers(ElementsAttr attr) {
  auto dense = dyn_cast_or_null<DenseIntElementsAttr>(attr);
  if (!dense)
    return failure();
  SmallVector<int64_t> values;
  for (const APInt &value : dense.getValues<APInt>())
    values.push_back(value.getSExtValue());
  return values;
}

} // namespace mlir::engram

#endif // ENGRAM_PASSES_CONSTANTDATA_H
