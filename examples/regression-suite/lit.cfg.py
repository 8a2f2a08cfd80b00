# lit.cfg.py - a regression suite for one trained engram model.
#
# Copy this folder next to your model and run it with LLVM's lit:
#
#   lit -sv examples/regression-suite [--param engram_bin=DIR] [--param model=DIR]
#
# The tools are looked for in --param engram_bin (or $ENGRAM_BIN), then on
# PATH; FileCheck in --param filecheck_dir, then on PATH, then in
# /usr/lib/llvm-22/bin. %model is the model package under test (default: the
# shipped Fashion-MNIST model); %inputs is this folder's Inputs/; %python
# the interpreter running lit (it needs numpy). Test
# outputs go to a temporary folder, not into the suite. See
# docs/testing-your-model.md.
import os
import shutil
import sys
import tempfile

import lit.formats

here = os.path.dirname(os.path.abspath(__file__))
config.name = "engram-model-regressions"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".test"]
config.excludes = ["Inputs"]
config.test_source_root = here
config.test_exec_root = os.path.join(tempfile.gettempdir(),
                                     f"engram-suite-{os.getuid()}")


def find(tool, *folders):
    """The folder holding `tool`: the first of `folders` that has it, then PATH."""
    for folder in folders:
        if folder and os.access(os.path.join(folder, tool), os.X_OK):
            return folder
    found = shutil.which(tool)
    if not found:
        lit_config.fatal(f"cannot find {tool}: give --param engram_bin=DIR or "
                         "put it on PATH")
    return os.path.dirname(found)


engram_bin = find("engramc", lit_config.params.get("engram_bin"),
                  os.environ.get("ENGRAM_BIN"))
find("engram-run", engram_bin)
filecheck = find("FileCheck", lit_config.params.get("filecheck_dir"),
                 "/usr/lib/llvm-22/bin")
config.environment["PATH"] = os.pathsep.join(
    [engram_bin, filecheck, config.environment.get("PATH", "")])

model = lit_config.params.get(
    "model", os.path.join(here, "..", "fashion", "model"))
config.substitutions.append(("%model", os.path.abspath(model)))
config.substitutions.append(("%inputs", os.path.join(here, "Inputs")))
config.substitutions.append(("%python", sys.executable))
