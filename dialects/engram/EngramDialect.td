//===- EngramDialect.td - engram dialect, types and enums --*- tablegen -*-===//
//
// The engram dialect describes an engram network at the granularity of the
// equations in ENGRAM_SEMANTICS.md: encode, recall, integrate, Hebbian update,
// the time loop that carries (h, T), pooling and readout. This file holds the
// dialect, its two state types (memory bank, Hebbian trace) and its enums.
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_DIALECT_TD
#define ENGRAM_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Engram_Dialect : Dialect {
  let name = "engram";
  let cppNamespace = "::mlir::engram";
  let summary = "Engram networks: memory bank, Hebbian trace, sparse recall";
  let description = [{
    The engram dialect represents a recurrent engram network (Szelogowski,
    2025) as the user thinks of it. Activations are ranked tensors whose
    leading dimension is the batch; the learned memory bank and the Hebbian
    trace have their own types so that later passes can give them quantized
    or sparse representations that verifiers can check. Every op's
    description cites the equation of ENGRAM_SEMANTICS.md it implements.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    /// Registers the types and attributes; defined beside them in
    /// EngramTypes.cpp.
    void registerTypes();
    void registerAttributes();
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::tensor::TensorDialect"
  ];
}


//===----------------------------------------------------------------------===//
// Storage encodings of the memory bank and the trace
//===----------------------------------------------------------------------===//

def Engram_QuantScale : I32EnumAttr<"QuantScale",
    "granularity of the scales of a quantized memory bank", [
      I32EnumAttrCase<"Row", 0, "row">,
      I32EnumAttrCase<"Tensor", 1, "tensor">
    ]> {
  let cppNamespace = "::mlir::engram";
  let genSpecializedAttr = 0;
}

def Engram_Rounding : I32EnumAttr<"Rounding",
    "how real values are rounded to the quantization grid", [
      I32EnumAttrCase<"Nearest", 0, "nearest">,
      I32EnumAttrCase<"Stochastic", 1, "stochastic">
    ]> {
  let cppNamespace = "::mlir::engram";
  let genSpecializedAttr = 0;
}

class Engram_Attr<string name, string attrMnemonic>
    : AttrDef<Engram_Dialect, name> {
  let mnemonic = attrMnemonic;
}

def Engram_QuantAttr : Engram_Attr<"Quant", "quant"> {
  let summary = "a memory bank stored as integers with scales";
  let description = [{
    `bits` = 8 or 4: symmetric integers `q` in `[−(2^(bits−1) − 1),
    2^(bits−1) − 1]` with one float scale per row or per tensor,
    `M̂ = q·scale`, `scale = max|M| / (2^(bits−1) − 1)` over the row or the
    bank. `bits` = 1: binary, `q = sign(M)` (±1, zero counts as +1) with
    `scale = mean|M|` over the row or the bank. `rounding` is how the
    compiler rounded `M / scale` (`stochastic`: floor(x + u) with u uniform
    from a generator seeded with `seed`); the stored integers are the
    definition either way. See docs/quantization.md.

    ```mlir
    !engram.memory<32x64xf32, #engram.quant<bits = 8, scale = row, rounding = nearest>>
    ```
  }];
  let parameters = (ins
    "unsigned":$bits,
    EnumParameter<Engram_QuantScale>:$scale,
    EnumParameter<Engram_Rounding>:$rounding,
    DefaultValuedParameter<"uint64_t", "0">:$seed
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The largest stored magnitude: 2^(bits−1) − 1, or 1 when binary.
    int64_t getMaxMagnitude() const {
      return getBits() == 1 ? 1 : (int64_t(1) << (getBits() - 1)) - 1;
    }
  }];
}

def Engram_FixedAttr : Engram_Attr<"Fixed", "fixed"> {
  let summary = "a trace stored in fixed point, saturating at ±bound";
  let description = [{
    The trace is held as integers `q` in `[−Q, Q]`, `Q = 2^(bits−1) − 1`,
    standing for `q·δ` with `δ = bound / Q`; `bound` is the trace clip `c`,
    so the whole representable range is the range the float trace can take.
    The Hebbian update runs in integer arithmetic, as a neuromorphic core
    would: decay by multiply-and-shift, increment rounded to the nearest
    step, saturation at ±Q (docs/quantization.md).

    ```mlir
    !engram.trace<?x32x64xf32, #engram.fixed<bits = 8, bound = 1.000000e-01 : f64>>
    ```
  }];
  let parameters = (ins "unsigned":$bits, "::mlir::FloatAttr":$bound);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Q = 2^(bits−1) − 1, the largest stored magnitude.
    int64_t getMaxMagnitude() const {
      return (int64_t(1) << (getBits() - 1)) - 1;
    }
    /// δ = bound / Q, the value of one step.
    double getStep() const {
      return getBound().getValueAsDouble() / double(getMaxMagnitude());
    }
  }];
}

def Engram_Bf16Attr : Engram_Attr<"Bf16", "bf16"> {
  let summary = "a trace stored in bfloat16, computed in float32";
  let description = [{
    Every entry of the trace is held as a bfloat16 (8 significant bits, the
    exponent range of float32); reads widen it exactly to float32, and the
    Hebbian update computes in float32 and rounds its result to the nearest
    bfloat16, ties to even. The initial trace is rounded the same way. Half
    the bytes of a float trace, none of a fixed-point trace's integer
    arithmetic (docs/quantization.md).

    ```mlir
    !engram.trace<?x32x64xf32, #engram.bf16>
    ```
  }];
}

def Engram_EllAttr : Engram_Attr<"Ell", "ell"> {
  let summary = "a pruned memory bank stored row by row (ELLPACK)";
  let description = [{
    Every row keeps the same number of entries, `rowEntries`, with their
    column indices; the other entries are zero. `engram-sparsify-memory`
    keeps the largest magnitudes of each row.

    ```mlir
    !engram.memory<32x64xf32, #engram.ell<rowEntries = 32>>
    ```
  }];
  let parameters = (ins "int64_t":$rowEntries);
  let assemblyFormat = "`<` struct(params) `>`";
}

class Engram_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<Engram_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def Engram_MemoryType : Engram_Type<"Memory", "memory"> {
  let summary = "the learned memory bank M (N slots of width H)";
  let description = [{
    The constant memory bank `M` of ENGRAM_SEMANTICS.md, `N×H`: one engram
    per row. The element type is the type computations see (`f32`); how the
    bank is stored is part of the type: quantized (`#engram.quant`), pruned
    (`#engram.ell`) or both, so that verifiers can check the data and the
    ops that read it.

    ```mlir
    !engram.memory<32x64xf32>
    !engram.memory<32x64xf32, #engram.quant<bits = 8, scale = row, rounding = nearest>>
    !engram.memory<32x64xf32, #engram.ell<rowEntries = 16>>
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t", "slots × width">:$shape,
    "::mlir::Type":$elementType,
    OptionalParameter<"::mlir::engram::QuantAttr">:$quant,
    OptionalParameter<"::mlir::engram::EllAttr">:$sparsity
  );
  let builders = [
    TypeBuilder<(ins "::llvm::ArrayRef<int64_t>":$shape,
                     "::mlir::Type":$elementType), [{
      return $_get($_ctxt, shape, elementType, QuantAttr(), EllAttr());
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Number of memory slots N.
    int64_t getSlots() const { return getShape()[0]; }
    /// Width H of a slot (the hidden width of the cell).
    int64_t getWidth() const { return getShape()[1]; }
    /// The bank as a ranked tensor type of the same shape.
    ::mlir::RankedTensorType getTensorType() const {
      return ::mlir::RankedTensorType::get(getShape(), getElementType());
    }
    /// Columns stored per row: H, or the ELL row entries when pruned.
    int64_t getStoredColumns() const {
      return getSparsity() ? getSparsity().getRowEntries() : getWidth();
    }
  }];
}

def Engram_TraceType : Engram_Type<"Trace", "trace"> {
  let summary = "the Hebbian trace T, per sequence (B×N×H) or shared (N×H)";
  let description = [{
    The Hebbian trace `T` of ENGRAM_SEMANTICS.md, carried from step to step.
    Its shape says how it is batched:

    - `!engram.trace<?x32x64xf32>`: `per_sequence` batching, every sequence
      of the batch (leading dimension, usually dynamic) owns its trace;
    - `!engram.trace<32x64xf32>`: `batch_mean` batching, one trace shared by
      the batch and updated with the batch mean of `a ⊗ z`.

    A trace in fixed point carries `#engram.fixed<bits, bound>`, one stored
    in bfloat16 `#engram.bf16`; at most one of them.
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t", "[batch ×] slots × width">:$shape,
    "::mlir::Type":$elementType,
    OptionalParameter<"::mlir::engram::FixedAttr">:$fixed,
    OptionalParameter<"::mlir::engram::Bf16Attr">:$bf16
  );
  let builders = [
    TypeBuilder<(ins "::llvm::ArrayRef<int64_t>":$shape,
                     "::mlir::Type":$elementType), [{
      return $_get($_ctxt, shape, elementType, FixedAttr(), Bf16Attr());
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// True for `batch_mean` batching: one trace shared by the whole batch.
    bool isShared() const { return getShape().size() == 2; }
    /// Number of memory slots N.
    int64_t getSlots() const { return getShape()[getShape().size() - 2]; }
    /// Width H of a slot.
    int64_t getWidth() const { return getShape().back(); }
    /// Batch size of a per-sequence trace (may be dynamic); 1 when shared.
    int64_t getBatch() const { return isShared() ? 1 : getShape()[0]; }
    /// The trace as a ranked tensor type of the same shape (its values).
    ::mlir::RankedTensorType getTensorType() const {
      return ::mlir::RankedTensorType::get(getShape(), getElementType());
    }
    /// The tensor the trace is stored in: the element type, bf16, or the
    /// integers of a fixed-point trace.
    ::mlir::RankedTensorType getStorageTensorType() const {
      if (getBf16())
        return ::mlir::RankedTensorType::get(
            getShape(), ::mlir::BFloat16Type::get(getContext()));
      if (!getFixed())
        return getTensorType();
      return ::mlir::RankedTensorType::get(
          getShape(), ::mlir::IntegerType::get(getContext(),
                                               getFixed().getBits() <= 8 ? 8 : 16));
    }
    /// The same trace with another shape.
    TraceType withShape(::llvm::ArrayRef<int64_t> shape) const {
      return TraceType::get(getContext(), shape, getElementType(), getFixed(),
                            getBf16());
    }
    /// The same trace stored as `fixed` or `bf16` (or float when both are
    /// null).
    TraceType withStorage(FixedAttr fixed, Bf16Attr bf16) const {
      return TraceType::get(getContext(), getShape(), getElementType(), fixed,
                            bf16);
    }
  }];
}

def Engram_PoolingKind : I32EnumAttr<"PoolingKind",
    "how the sequence of states h₁…h_S is reduced", [
      I32EnumAttrCase<"Last", 0, "last">,
      I32EnumAttrCase<"Attention", 1, "attention">,
      I32EnumAttrCase<"Sequence", 2, "sequence">
    ]> {
  let cppNamespace = "::mlir::engram";
}

def Engram_Activation : I32EnumAttr<"Activation",
    "activation of the dense readout", [
      I32EnumAttrCase<"Softmax", 0, "softmax">,
      I32EnumAttrCase<"Linear", 1, "linear">
    ]> {
  let cppNamespace = "::mlir::engram";
}

class Engram_Op<string mnemonic, list<Trait> traits = []>
    : Op<Engram_Dialect, mnemonic, traits>;

#endif // ENGRAM_DIALECT_TD
