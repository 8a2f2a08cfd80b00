"""engram.compile: the compiler (engramc) driven from Python."""

import os
import shutil
import subprocess
import tempfile

# What each target writes, for outputs engram picks a name for.
_SUFFIX = {"cpu": ".so", "cuda": ".cuda", "lava": ".pb", "nir": ".nir",
           "spinnaker": ".py"}


class CompileError(RuntimeError):
    """engramc refused the model or an option; the message is engramc's."""


def engramc():
    """The engramc this package drives: $ENGRAM_ENGRAMC, the one beside the
    package in an engram build (build/bin), or the first on PATH."""
    explicit = os.environ.get("ENGRAM_ENGRAMC")
    if explicit:
        return explicit
    here = os.path.dirname(os.path.abspath(__file__))
    beside = os.path.join(here, os.pardir, os.pardir, "bin", "engramc")
    if os.access(beside, os.X_OK):
        return os.path.normpath(beside)
    found = shutil.which("engramc")
    if not found:
        raise CompileError("engramc not found: build engram (scripts/setup.sh) "
                           "or set ENGRAM_ENGRAMC")
    return found


def _flag(name, value):
    """--name=value for one keyword option: True gives --name, False and
    None nothing, a list or tuple one flag per item."""
    flag = "--" + name.replace("_", "-")
    if value is True:
        return [flag]
    if value is False or value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [f"{flag}={item}" for item in value]
    return [f"{flag}={value}"]


def compile(source, target="cpu", output=None, emit=None, **options):
    """Compiles source (a package, model.json, .mlir, .pb or .nir) for
    target (cpu, cuda, lava, nir, spinnaker) and returns the output's path,
    which engram.load opens. emit='engram', 'linalg', 'llvm', 'snn', ...
    stops after that stage and returns its text instead. Every other keyword
    is an engramc flag: quantize='int8:memory,bf16:trace' is
    --quantize=int8:memory,bf16:trace, hoist_encoder=True is
    --hoist-encoder. Without output the artifact goes to a new temporary
    directory. Raises CompileError with engramc's message."""
    source = os.fspath(source)
    command = [engramc(), source]
    if emit is not None:
        command += [f"--emit={emit}"]
        if target != "cpu":
            command += [f"--target={target}"]
    else:
        command += [f"--target={target}"]
        if output is None:
            directory = tempfile.mkdtemp(prefix="engram-")
            stem = os.path.basename(os.path.normpath(source)).split(".")[0]
            output = os.path.join(directory, (stem or "model") +
                                  _SUFFIX.get(target, ".out"))
    for name, value in options.items():
        command += _flag(name, value)
    if output is not None:
        command += ["-o", os.fspath(output)]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        message = proc.stderr.strip() or f"engramc exited {proc.returncode}"
        raise CompileError(message)
    return proc.stdout if emit is not None and output is None else output
