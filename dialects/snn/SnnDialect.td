//===- SnnDialect.td - snn dialect, types and enums --------*- tablegen -*-===//
//
// The snn dialect describes a spiking network independently of the chip that
// will run it: populations of neurons, the projections between them (static
// or plastic), the sources that turn input vectors into events and the probe
// that decodes the output. docs/spiking.md gives the semantics, which
// runtime/Snn.cpp executes.
//
//===----------------------------------------------------------------------===//

#ifndef SNN_DIALECT_TD
#define SNN_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Snn_Dialect : Dialect {
  let name = "snn";
  let cppNamespace = "::mlir::snn";
  let summary = "Spiking networks: populations, projections, plasticity";
  let description = [{
    A network is an `snn.network` op whose body is a graph region: every op
    in it declares a population (and yields it as an `!snn.population<N>`
    value) or connects populations, so recurrent connections need no special
    form. Time is discrete; one step of the source model (one input vector)
    lasts `timesteps` simulator timesteps. The network's `profile` names the
    hardware it is meant for (`loihi2`, `spinnaker`, `generic`); the
    verifiers then enforce that hardware's ranges.
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerTypes();
  }];
}

class Snn_Enum<string name, string summary, list<I32EnumAttrCase> cases>
    : I32EnumAttr<name, summary, cases> {
  let cppNamespace = "::mlir::snn";
  let genSpecializedAttr = 0;
}

def Snn_ProfileEnum : Snn_Enum<"Profile", "hardware whose ranges apply", [
    I32EnumAttrCase<"Generic", 0, "generic">,
    I32EnumAttrCase<"Loihi2", 1, "loihi2">,
    I32EnumAttrCase<"Spinnaker", 2, "spinnaker">]>;
def Snn_EncodingEnum : Snn_Enum<"Encoding", "how a source emits events", [
    I32EnumAttrCase<"Rate", 0, "rate">,
    I32EnumAttrCase<"Graded", 1, "graded">,
    I32EnumAttrCase<"Spike", 2, "spike">]>;
def Snn_ActivationEnum : Snn_Enum<"Activation", "graded unit's activation", [
    I32EnumAttrCase<"Relu", 0, "relu">,
    I32EnumAttrCase<"Linear", 1, "linear">]>;
def Snn_ResetEnum : Snn_Enum<"Reset", "what a spike does to v", [
    I32EnumAttrCase<"Subtract", 0, "subtract">,
    I32EnumAttrCase<"Zero", 1, "zero">]>;
def Snn_DecodeEnum : Snn_Enum<"Decode", "how the probe reads events", [
    I32EnumAttrCase<"Rate", 0, "rate">,
    I32EnumAttrCase<"Last", 1, "last">]>;

def Snn_ProfileAttr : EnumAttr<Snn_Dialect, Snn_ProfileEnum, "profile">;
def Snn_EncodingAttr : EnumAttr<Snn_Dialect, Snn_EncodingEnum, "encoding">;
def Snn_ActivationAttr : EnumAttr<Snn_Dialect, Snn_ActivationEnum, "activation">;
def Snn_ResetAttr : EnumAttr<Snn_Dialect, Snn_ResetEnum, "reset">;
def Snn_DecodeAttr : EnumAttr<Snn_Dialect, Snn_DecodeEnum, "decode">;

def Snn_RuleAttr : AttrDef<Snn_Dialect, "Rule"> {
  let mnemonic = "rule";
  let summary = "a learning rule, dw = Σ c · dependency · traces";
  let description = [{
    The learning rule of an `snn.plastic` projection, in Lava's form: a sum
    of terms, each a constant times exactly one dependency (`x0` a pre spike,
    `y0` a post spike, `u` the end of a window; Lava's `u0` reads as `u`)
    times any product of the traces `x1`, `x2`, `y1`, `y2`, `y3` and the
    weight `w`. It is parsed once, by the grammar the simulator runs
    (`spiking/Rule.h`), and held as terms; it prints in one spelling: the
    factors in the order x1 x2 y1 y2 y3 w, a constant written `m*2^e` kept so
    (the loihi2 profile requires that form) and any other as the shortest
    decimal that reads back exactly.

    ```mlir
    #snn.rule<"dw = 2^-4*u*x1*y3 - 3*2^-6*u*w">
    ```
  }];
  let parameters = (ins
      ArrayRefParameter<"::engram::spiking::RuleTerm", "the terms">:$terms);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The rule in its one spelling (spiking::formatRule).
    std::string str() const;
    /// Whether a term uses `factor`.
    bool uses(::engram::spiking::RuleFactor factor) const;
  }];
}

def Snn_PopulationType : TypeDef<Snn_Dialect, "Population"> {
  let mnemonic = "population";
  let summary = "a population of N neurons";
  let description = [{
    The value an op declaring a population yields; projections and probes
    take it as an operand.

    ```mlir
    !snn.population<64>
    ```
  }];
  let parameters = (ins "int64_t":$size);
  let assemblyFormat = "`<` $size `>`";
  let genVerifyDecl = 1;
}

#endif // SNN_DIALECT_TD
