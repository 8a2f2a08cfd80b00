"""make_corpus.py TOOLS OUT - the seed corpus of every fuzz target.

Generated from the test inputs with the built tools (TOOLS holds engramc and
engram-run), never committed: OUT/<target>/ for npy, npz, package, engram-mlir,
snn-mlir, artifact-metadata, cuda-bundle (when nvcc is there), lava, nir and
rule. Seeds are kept small (a model with D=5, H=6 or 32, N=3), since
libFuzzer's speed falls with the size of its inputs.
"""
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
ROOT = os.path.dirname(TESTS)
MAKE_PACKAGE = os.path.join(TESTS, "Import", "Inputs", "make_package.py")
NIR_FOREIGN = os.path.join(TESTS, "Export", "Inputs", "nir_foreign.py")
NIR_TOOLS = os.path.join(TESTS, "Export", "Inputs", "nir_tools.py")


class Corpus:
    def __init__(self, out, tools, scratch):
        self.out, self.tools, self.scratch = out, tools, scratch

    def add(self, target, data):
        if isinstance(data, str):
            data = data.encode()
        folder = os.path.join(self.out, target)
        os.makedirs(folder, exist_ok=True)
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)

    def add_file(self, target, path):
        with open(path, "rb") as f:
            self.add(target, f.read())

    def tool(self, name, *args, check=True):
        result = subprocess.run([os.path.join(self.tools, name), *map(str, args)],
                                capture_output=True)
        if check and result.returncode != 0:
            sys.exit(f"make_corpus.py: {name} {' '.join(map(str, args))} failed:\n"
                     f"{result.stderr.decode(errors='replace')}")
        return result

    def path(self, name):
        return os.path.join(self.scratch, name)


def split_cases(text):
    """The cases of a --split-input-file test."""
    return [case.strip() + "\n" for case in text.split("// -----") if case.strip()]


def packages(c):
    """Packages valid and broken, as model.json NUL model.safetensors."""
    cases = ["valid", "bad-value", "unknown-field", "shape-mismatch", "nan-weight",
             "dtype-f16", "offsets-overlap", "truncated", "header-too-long"]
    for case in cases:
        folder = c.path("pkg-" + case)
        subprocess.run([sys.executable, MAKE_PACKAGE, folder, "--case", case], check=True)
        with open(os.path.join(folder, "model.json"), "rb") as f:
            text = f.read()
        weights = os.path.join(folder, "model.safetensors")
        data = open(weights, "rb").read() if os.path.exists(weights) else b""
        c.add("package", text + b"\0" + data)
    subprocess.run([sys.executable, MAKE_PACKAGE, c.path("pkg32"), "--hidden", "32"],
                   check=True)


def arrays(c):
    r = np.random.default_rng(3)
    samples = [r.uniform(0, 1, (2, 3, 5)).astype("<f4"), r.uniform(-1, 1, (4,)).astype("<f8"),
               np.arange(6, dtype="<i8"), np.arange(4, dtype="u1").reshape(2, 2),
               np.zeros((0, 3), "<f4"), np.array(1.5, "<f4"), np.array([True, False])]
    for i, a in enumerate(samples):
        np.save(c.path(f"a{i}.npy"), a)
        c.add_file("npy", c.path(f"a{i}.npy"))
    np.save(c.path("calib.npy"), r.uniform(0, 1, (16, 5, 5)).astype(np.float32))
    # States as --dump-state writes them and as numpy writes them, stored
    # and deflated.
    state = {"h": r.uniform(-1, 1, (3, 6)).astype("<f4"),
             "trace": r.uniform(-0.1, 0.1, (3, 4, 6)).astype("<f4")}
    for i, save in enumerate([np.savez, np.savez_compressed]):
        save(c.path(f"s{i}.npz"), **state)
        c.add_file("npz", c.path(f"s{i}.npz"))


def mlir(c):
    pkg = c.path("pkg-valid")
    for flags in [[], ["--hoist-encoder"], ["--quantize=int8"], ["--quantize=int4:trace"],
                  ["--quantize=int8:memory,bf16:trace"],
                  ["--quantize=binary", "--sparsify=topk=2,density=0.5"]]:
        c.add("engram-mlir", c.tool("engramc", pkg, *flags).stdout)
    for folder in ["Dialect/Engram", "Passes", "Import"]:
        for name in sorted(os.listdir(os.path.join(TESTS, folder))):
            if name.endswith(".mlir"):
                with open(os.path.join(TESTS, folder, name)) as f:
                    for case in split_cases(f.read()):
                        c.add("engram-mlir", case)
    calib = c.path("calib.npy")
    for flags in [[], ["--snn-encoding=graded"], ["--snn-profile=loihi2", "--snn-encoding=graded"],
                  ["--snn-recall=kwta", "--snn-k=2"], ["--snn-learning=off"]]:
        out = c.tool("engramc", pkg, "--emit=snn", f"--snn-calibration={calib}",
                     "--snn-timesteps=14", *flags).stdout
        c.add("snn-mlir", out)
    for folder in ["Dialect/Snn", "Export/Inputs"]:
        for name in sorted(os.listdir(os.path.join(TESTS, folder))):
            if name.endswith(".mlir"):
                with open(os.path.join(TESTS, folder, name)) as f:
                    for case in split_cases(f.read()):
                        c.add("snn-mlir", case)


def rules(c):
    seen = set()
    for folder in ["snn-mlir"]:
        for name in os.listdir(os.path.join(c.out, folder)):
            text = open(os.path.join(c.out, folder, name), errors="replace").read()
            seen.update(re.findall(r'"(dw\s*=[^"]*)"', text))
    seen.update(["dw = 2^-4*u*x1*y1 - 2^-4*u*w", "dw = 2^-2*x1*y0 - 2^-3*y1*x0",
                 "dt = 0", "dw = u0*(x1 - y1*w)*2^3"])
    for rule in sorted(seen):
        c.add("rule", rule)


def artifacts(c):
    pkg = c.path("pkg-valid")
    for flags in [[], ["--quantize=int8"]]:
        so = c.path("m.so")
        c.tool("engramc", pkg, "--target=cpu", *flags, "-o", so)
        c.add("artifact-metadata", c.tool("engram-run", so, "--print-metadata").stdout)
    cuda = shutil.which("nvcc") or os.path.exists("/usr/local/cuda/bin/nvcc")
    if cuda:
        # A float bank, packed int4 and pruned binary banks, and a hidden
        # width the loader pads (H = 6: "padded_hidden_dim").
        for i, (package, flags) in enumerate([
                ("pkg32", []), ("pkg32", ["--quantize=int4:memory"]),
                ("pkg32", ["--quantize=binary", "--sparsify=density=0.5"]),
                ("pkg-valid", [])]):
            out = c.path(f"m{i}.cuda")
            if c.tool("engramc", c.path(package), "--target=cuda", *flags, "-o", out,
                      check=False).returncode == 0:
                c.add_file("cuda-bundle", out)
                c.add("artifact-metadata",
                      c.tool("engram-run", out, "--print-metadata").stdout)


def exports(c):
    pkg, calib = c.path("pkg-valid"), c.path("calib.npy")
    for flags in [["--snn-encoding=graded", "--snn-learning=off"], ["--snn-encoding=graded"],
                  ["--snn-learning=off"]]:
        out = c.path("g.pb")
        c.tool("engramc", pkg, "--target=lava", f"--snn-calibration={calib}",
               "--snn-timesteps=14", *flags, "-o", out)
        c.add_file("lava", out)
    out = c.path("g.nir")
    c.tool("engramc", pkg, "--target=nir", f"--snn-calibration={calib}",
           "--snn-timesteps=14", "-o", out)
    c.add_file("nir", out)
    x = c.path("x4.npy")
    np.save(x, np.random.default_rng(1).uniform(0, 1, (2, 3, 4)).astype(np.float32))
    subprocess.run([sys.executable, NIR_FOREIGN, "write", c.path("f.nir"), x], check=True)
    c.add_file("nir", c.path("f.nir"))
    # Every node type, convolutions, nested graphs and four tools' layouts.
    for graph in ["zoo", "cnn", "conv1d", "snntorch", "norse", "sinabs", "rockpool"]:
        out = c.path(f"{graph}.nir")
        subprocess.run([sys.executable, NIR_TOOLS, graph, out, c.path("t.npy")], check=True)
        c.add_file("nir", out)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tools, out = sys.argv[1], sys.argv[2]
    shutil.rmtree(out, ignore_errors=True)
    with tempfile.TemporaryDirectory() as scratch:
        c = Corpus(out, tools, scratch)
        packages(c)
        arrays(c)
        mlir(c)
        rules(c)
        artifacts(c)
        exports(c)
    for target in sorted(os.listdir(out)):
        print(f"corpus: {target}: {len(os.listdir(os.path.join(out, target)))} seeds")


if __name__ == "__main__":
    main()
