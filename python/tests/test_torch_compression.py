"""engram.torch's compressed forward (what compression-aware training trains)
against engram-run on the IR that engramc compresses with the same flags,
on fresh random inputs: top-k recall, int4 (bank and fixed-point trace),
binary and int8 banks, on the shipped model without layer norm."""
import os
import subprocess

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from engram import torch as engram_torch  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
MODEL = os.path.join(ROOT, "examples", "fashion", "model-nonorm")
FLAGS = {"": [], "topk=4": ["--sparsify=topk=4"], "int4": ["--quantize=int4"],
         "binary": ["--quantize=binary"], "int8": ["--quantize=int8"]}


@pytest.mark.parametrize("spec", sorted(FLAGS))
def test_compressed_forward_equals_engram_run(spec, tmp_path):
    x = np.random.default_rng().uniform(0, 1, (24, 28, 28)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    ir, out = str(tmp_path / "m.mlir"), str(tmp_path / "y.npy")
    subprocess.run(["engramc", MODEL, "--emit=engram", *FLAGS[spec], "-o", ir], check=True)
    subprocess.run(["engram-run", ir, "--precision", "f64", "--input",
                    str(tmp_path / "x.npy"), "--output", out], check=True,
                   stdout=subprocess.DEVNULL)
    network = engram_torch.load_package(MODEL, compression=spec)
    with torch.no_grad():
        ours = network(torch.from_numpy(x).double())[0].numpy()
    # Both in float64; the IR holds the bank's scales in float32 and the
    # interpreter rounds in its own order: measured at most 4.3e-9 (int8).
    theirs = np.load(out)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-7)
    assert (ours.argmax(-1) == theirs.argmax(-1)).all()


def test_compression_spec_errors():
    for bad in ("topk=0", "int2", "binary:trace", "int8:bank"):
        with pytest.raises(ValueError):
            engram_torch.parse_compression(bad)
    assert engram_torch.parse_compression("int8:memory,int4:trace,topk=2") == {
        "top_k": 2, "bank": "int8", "trace_bits": 4}
