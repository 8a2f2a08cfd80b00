//===- OptionEnums.h - the enumerated options of engram's passes -*- C++ -*-===//
//
// Pass options that take one of a few names are enumerations, declared in
// Passes.td with llvm::cl::values, so that a bad value is refused where the
// option is parsed (engram-opt, engramc, a pipeline's text) and the pass
// never compares strings. The parser of each enumeration (below) lists the
// valid names in its error: "'spikes' is not one of its values (valid:
// graded, rate)".
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_PASSES_OPTIONENUMS_H
#define ENGRAM_PASSES_OPTIONENUMS_H

#include "dialects/engram/EngramTypes.h"
#include "dialects/snn/SnnDialect.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"


namespace mlir::engram {

/// convert-engram-to-snn's `encoding`: what a spike or an event carries.
enum class SnnEncoding { Rate, Graded };
/// convert-engram-to-snn's `recall`.
enum class SnnRecall { Auto, Linear, Kwta };
/// convert-engram-to-snn's `learning` and `zero-input`.
enum class SnnLearning { Auto, On, Off };
enum class SnnZeroInput { Auto, Exact, Ignore };
/// engram-quantize-memory's `what`.
enum class QuantizeWhat { Memory, Trace, Both };
/// engram-quantize-memory's `trace-format`: how a quantized trace is stored.
enum class QuantizeTraceFormat { Fixed, Bf16 };

llvm::StringRef stringifySnnEncoding(SnnEncoding value);
llvm::StringRef stringifySnnRecall(SnnRecall value);
llvm::StringRef stringifySnnLearning(SnnLearning value);
llvm::StringRef stringifySnnZeroInput(SnnZeroInput value);
llvm::StringRef stringifyQuantizeWhat(QuantizeWhat value);
llvm::StringRef stringifyQuantizeTraceFormat(QuantizeTraceFormat value);

/// The parser of `option` if it is a NamedValueParser (an enumerated engram
/// option), else null: engramc lists its values (getOption,
/// getDescription) in --help for the flags it forwards to such options.
const llvm::cl::generic_parser_base *
namedValuesOf(const llvm::cl::Option *option);
void rememberParser(const llvm::cl::Option *option,
                    const llvm::cl::generic_parser_base *parser);
void forgetParser(const llvm::cl::Option *option);

/// llvm::cl's parser of an enumeration, with an error that lists the valid
/// names, sorted. It keeps the interface of llvm::cl::parser<T> that
/// llvm::cl and MLIR's pass options use (Values, addLiteralOption).
template <typename T> class NamedValueParser : public llvm::cl::generic_parser_base {
protected:
  struct OptionInfo : public GenericOptionInfo {
    OptionInfo(llvm::StringRef name, T value, llvm::StringRef help)
        : GenericOptionInfo(name, help), V(value) {}
    llvm::cl::OptionValue<T> V;
  };
  llvm::SmallVector<OptionInfo, 4> Values;

public:
  using parser_data_type = T;
  NamedValueParser(llvm::cl::Option &owner) : generic_parser_base(owner) {
    rememberParser(&owner, this);
  }
  ~NamedValueParser() { forgetParser(&Owner); }

  unsigned getNumOptions() const override { return Values.size(); }
  llvm::StringRef getOption(unsigned n) const override { return Values[n].Name; }
  llvm::StringRef getDescription(unsigned n) const override {
    return Values[n].HelpStr;
  }
  const llvm::cl::GenericOptionValue &
  getOptionValue(unsigned n) const override {
    return Values[n].V;
  }
  bool parse(llvm::cl::Option &option, llvm::StringRef, llvm::StringRef arg,
             T &value) {
    llvm::SmallVector<llvm::StringRef> valid;
    for (const OptionInfo &info : Values) {
      if (info.Name == arg) {
        value = info.V.getValue();
        return false;
      }
      valid.push_back(info.Name);
    }
    llvm::sort(valid);
    return option.error("'" + arg + "' is not one of its values (valid: " +
                        llvm::join(valid, ", ") + ")");
  }
  template <typename V>
  void addLiteralOption(llvm::StringRef name, const V &value,
                        llvm::StringRef help) {
    Values.emplace_back(name, static_cast<T>(value), help);
    llvm::cl::AddLiteralOption(Owner, name);
  }
  void removeLiteralOption(llvm::StringRef name) {
    Values.erase(llvm::find_if(
        Values, [&](const OptionInfo &info) { return info.Name == name; }));
  }
};

} // namespace mlir::engram

#define ENGRAM_NAMED_VALUE_PARSER(TYPE)                                        \
  template <>                                                                  \
  class llvm::cl::parser<TYPE>                                                 \
      : public ::mlir::engram::NamedValueParser<TYPE> {                        \
  public:                                                                      \
    using NamedValueParser<TYPE>::NamedValueParser;                            \
  };

ENGRAM_NAMED_VALUE_PARSER(::mlir::engram::SnnEncoding)
ENGRAM_NAMED_VALUE_PARSER(::mlir::engram::SnnRecall)
ENGRAM_NAMED_VALUE_PARSER(::mlir::engram::SnnLearning)
ENGRAM_NAMED_VALUE_PARSER(::mlir::engram::SnnZeroInput)
ENGRAM_NAMED_VALUE_PARSER(::mlir::engram::QuantizeWhat)
ENGRAM_NAMED_VALUE_PARSER(::mlir::engram::QuantizeTraceFormat)
ENGRAM_NAMED_VALUE_PARSER(::mlir::engram::QuantScale)
ENGRAM_NAMED_VALUE_PARSER(::mlir::engram::Rounding)
ENGRAM_NAMED_VALUE_PARSER(::mlir::snn::Profile)

#undef ENGRAM_NAMED_VALUE_PARSER

#endif // ENGRAM_PASSES_OPTIONENUMS_H
