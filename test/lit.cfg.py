# lit.cfg.py - configuration of the engram lit suite.
#
# Tools come from build/bin, FileCheck and not from LLVM 22. Python helpers run
# under /usr/bin/python3, the interpreter that sees Debian's torch and numpy.
# Features: 'torch' (python3-torch importable), 'fashion-mnist' (Debian's
# dataset-fashion-mnist installed), 'compiler' (engramc/engram-opt built).
import glob
import os
import subprocess

import lit.formats

config.name = "engram"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "lit-helpers", "unit", "fuzz", "sanitizers", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.engram_obj_root, "test")

config.environment["PATH"] = os.pathsep.join(
    [config.engram_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
config.environment["PYTHONPATH"] = os.pathsep.join([
    # The package engram (its modules and extensions, python/CMakeLists.txt)
    # and engram_lava_pb2, generated from backends/lava/engram_lava.proto.
    os.path.join(config.engram_obj_root, "python"),
    os.path.join(config.engram_src_root, "examples", "fashion"),
    os.path.join(config.engram_src_root, "test", "lit-helpers"),
])
# Keep torch from oversubscribing the two cores when lit runs tests in parallel.
config.environment["OMP_NUM_THREADS"] = "1"

# %python-ext: Python for tests that import engram's extensions. Built with
# AddressSanitizer (scripts/sanitize.sh) an extension needs the ASan runtime
# loaded first, so Python runs with it preloaded; Python's own allocations
# at exit are not engram's leaks.
python_ext = config.python
if "address" in config.sanitize:
    asan = subprocess.run([config.clang, "-print-file-name=libclang_rt.asan-x86_64.so"],
                          capture_output=True, text=True).stdout.strip()
    options = os.environ.get("ASAN_OPTIONS", "")
    python_ext = (f"env LD_PRELOAD={asan} "
                  f"ASAN_OPTIONS={options}{':' if options else ''}detect_leaks=0 "
                  f"{config.python}")
config.substitutions.append(("%python-ext", python_ext))

helpers = os.path.join(config.engram_src_root, "test", "lit-helpers")
config.substitutions.append(("%python", config.python))
config.substitutions.append(("%clang", config.clang))
config.substitutions.append(("%engram_src", config.engram_src_root))
config.substitutions.append(
    ("%expect-exit", f"{config.python} {os.path.join(helpers, 'expect_exit.py')}"))


def python_can_import(module):
    return subprocess.call([config.python, "-c", f"import {module}"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0


if python_can_import("torch") and python_can_import("numpy"):
    config.available_features.add("torch")
if python_can_import("numpy"):
    config.available_features.add("numpy")
for module, feature in [("google.protobuf", "protobuf"), ("h5py", "h5py"),
                        ("pyNN.brian2", "pynn-brian2"), ("matplotlib", "matplotlib"),
                        ("pytest", "pytest"), ("distributed", "distributed")]:
    if python_can_import(module):
        config.available_features.add(feature)


def source_tree_feature(variable, module, feature):
    """Adds `feature` and the substitution %<feature>_src when the source
    tree the environment variable names lets the tests' Python import
    `module`."""
    src = os.environ.get(variable, "")
    if src and subprocess.call(
            [config.python, "-c", f"import {module}"],
            env={**os.environ, "PYTHONPATH": src},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
        config.available_features.add(feature)
        config.substitutions.append((f"%{feature}_src", src))


# Lava and NIR's Python package are not in Debian: source trees named by
# ENGRAM_LAVA_SRC (docs/lava.md) and ENGRAM_NIR_SRC (docs/nir.md). The tests
# that run graphs in Lava, or read engram's exports with nir.read, show as
# UNSUPPORTED without them.
source_tree_feature("ENGRAM_LAVA_SRC", "lava.proc.lif.process", "lava")
source_tree_feature("ENGRAM_NIR_SRC", "nir", "nir")
if os.path.exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"):
    config.available_features.add("fashion-mnist")
if config.build_compiler:
    config.available_features.add("compiler")
# The Python package's runtime extension (built when pybind11 is there).
if glob.glob(os.path.join(config.engram_obj_root, "python", "engram", "_runtime*.so")):
    config.available_features.add("engram-python")

# CUDA: 'cuda-toolkit' when nvcc and ptxas are found (engramc --target=cuda
# can compile), 'cuda-gpu' when the driver loads and sees a GPU (the GPU tests
# run; without one they show as UNSUPPORTED in the summary).
cuda_bin = os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin")
if all(os.access(os.path.join(cuda_bin, tool), os.X_OK) for tool in ("nvcc", "ptxas")):
    config.available_features.add("cuda-toolkit")
    config.substitutions.append(("%ptxas", os.path.join(cuda_bin, "ptxas")))


def cuda_gpu_present():
    import ctypes
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    count = ctypes.c_int(0)
    return cuda.cuInit(0) == 0 and cuda.cuDeviceGetCount(ctypes.byref(count)) == 0 \
        and count.value > 0


if cuda_gpu_present():
    config.available_features.add("cuda-gpu")
