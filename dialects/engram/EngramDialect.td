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
  let extraClassDeclaration = [{
    /// Registers the types; defined beside them in EngramTypes.cpp.
    void registerTypes();
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

class Engram_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<Engram_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def Engram_MemoryType : Engram_Type<"Memory", "memory"> {
  let summary = "the learned memory bank M (N slots of width H)";
  let description = [{
    The constant memory bank `M` of ENGRAM_SEMANTICS.md, `N×H`: one engram
    per row. The element type is the storage type (`f32` today; quantized
    storage will be expressed through this type, so that it is visible in
    the IR and checked by verifiers).

    ```mlir
    !engram.memory<32x64xf32>
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t", "slots × width">:$shape,
    "::mlir::Type":$elementType
  );
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
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t", "[batch ×] slots × width">:$shape,
    "::mlir::Type":$elementType
  );
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
    /// The trace as a ranked tensor type of the same shape.
    ::mlir::RankedTensorType getTensorType() const {
      return ::mlir::RankedTensorType::get(getShape(), getElementType());
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
