//===- OptionSet.cpp - options defined once, on every command line --------===//

#include "compiler/OptionSet.h"

#include "compiler/Target.h"
#include "passes/OptionEnums.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace engram::compiler;
namespace cl = llvm::cl;

std::vector<cl::Option *> OptionSet::list() {
  std::vector<cl::Option *> options;
  for (auto &entry : OptionsMap)
    options.push_back(entry.second);
  llvm::sort(options, [](cl::Option *a, cl::Option *b) {
    return a->ArgStr < b->ArgStr;
  });
  return options;
}

cl::Option *OptionSet::find(llvm::StringRef name) {
  auto it = OptionsMap.find(name);
  return it == OptionsMap.end() ? nullptr : it->second;
}

ForwardedOptions::ForwardedOptions(
    OptionSet &set,
    llvm::function_ref<cl::OptionCategory &(llvm::StringRef)> category)
    : set_(set) {
  for (cl::Option *option : set.list()) {
    llvm::StringRef help = option->HelpStr, values = option->ValueStr;
    if (values.empty())
      values = "value";
    // An enumerated option: its values in the value name and the help.
    if (const auto *parser = mlir::engram::namedValuesOf(option)) {
      std::string names, helps;
      for (unsigned i = 0; i < parser->getNumOptions(); ++i) {
        llvm::StringRef name = parser->getOption(i);
        names += (names.empty() ? "" : "|") + name.str();
        helps += "; " + name.str() + ": " + parser->getDescription(i).str();
      }
      texts_.push_back(std::make_unique<std::string>(names));
      values = *texts_.back();
      texts_.push_back(std::make_unique<std::string>(help.str() + helps));
      help = *texts_.back();
    }
    auto flag = std::make_unique<cl::opt<std::string>>(
        option->ArgStr, cl::desc(help), cl::value_desc(values),
        cl::cat(category(option->ArgStr)));
    // A boolean flag may stand alone (--hoist-encoder).
    flag->setValueExpectedFlag(option->getValueExpectedFlag());
    flags_.push_back(std::move(flag));
  }
}

bool ForwardedOptions::apply() {
  for (const auto &flag : flags_) {
    if (!flag->getNumOccurrences())
      continue;
    cl::Option *option = set_.find(flag->ArgStr);
    llvm::StringRef value = flag->getValue();
    // cl's boolean parser reads an absent value as true.
    if (option->addOccurrence(flag->getPosition(), flag->ArgStr, value))
      return false;
  }
  return true;
}

bool ForwardedOptions::anyGiven() const {
  return llvm::any_of(flags_, [](const auto &flag) {
    return flag->getNumOccurrences() > 0;
  });
}

namespace {
/// Splits `text` at spaces outside quotes and braces.
llvm::SmallVector<llvm::StringRef> splitOptions(llvm::StringRef text) {
  llvm::SmallVector<llvm::StringRef> items;
  size_t start = 0, depth = 0;
  char quote = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    char c = i < text.size() ? text[i] : ' ';
    if (quote) {
      quote = c == quote ? 0 : quote;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && depth) {
      --depth;
    } else if (c == ' ' && !depth) {
      if (i > start)
        items.push_back(text.slice(start, i));
      start = i + 1;
    }
  }
  return items;
}

llvm::StringRef unquote(llvm::StringRef value) {
  if (value.size() >= 2 &&
      ((value.front() == '"' && value.back() == '"') ||
       (value.front() == '\'' && value.back() == '\'') ||
       (value.front() == '{' && value.back() == '}')))
    return value.drop_front().drop_back();
  return value;
}
} // namespace

mlir::LogicalResult engram::compiler::parseIntoSets(
    llvm::StringRef text, llvm::ArrayRef<OptionSet *> sets,
    llvm::function_ref<mlir::LogicalResult(const llvm::Twine &)> fail) {
  for (llvm::StringRef item : splitOptions(text.trim())) {
    auto [name, value] = item.split('=');
    cl::Option *option = nullptr;
    for (OptionSet *set : sets)
      if ((option = set->find(name)))
        break;
    if (!option) {
      std::vector<std::string> known;
      for (OptionSet *set : sets)
        for (cl::Option *candidate : set->list())
          known.push_back(candidate->ArgStr.str());
      llvm::sort(known);
      return fail("no option named '" + name + "' (valid: " +
                  llvm::join(known, ", ") + ")");
    }
    // The option's parser prints what is wrong with the value.
    if (option->addOccurrence(0, name, unquote(value)))
      return mlir::failure();
  }
  return mlir::success();
}

struct TargetFlags::Entry {
  const Target *target;
  std::unique_ptr<OptionSet> options;
  /// cl keeps a category's name by reference.
  std::string categoryName;
  std::unique_ptr<cl::OptionCategory> category;
  std::unique_ptr<ForwardedOptions> flags;
};

TargetFlags::TargetFlags() {
  for (const Target *target : allTargets()) {
    auto entry = std::make_unique<Entry>();
    entry->target = target;
    entry->options = target->createOptions();
    if (!entry->options)
      continue;
    entry->categoryName =
        ("Engram options of --target=" + target->name()).str();
    entry->category = std::make_unique<cl::OptionCategory>(entry->categoryName);
    Entry &e = *entry;
    entry->flags = std::make_unique<ForwardedOptions>(
        *entry->options,
        [&](llvm::StringRef) -> cl::OptionCategory & { return *e.category; });
    entries_.push_back(std::move(entry));
  }
}

TargetFlags::~TargetFlags() = default;

bool TargetFlags::apply(const Target *chosen, OptionSet *&options,
                        llvm::function_ref<void(const llvm::Twine &)> fail) {
  options = nullptr;
  for (const auto &entry : entries_) {
    if (!entry->flags->anyGiven())
      continue;
    if (entry->target != chosen) {
      fail("the options of --target=" + entry->target->name() +
           " need that target");
      return false;
    }
    if (!entry->flags->apply())
      return false;
    options = entry->options.get();
  }
  return true;
}
