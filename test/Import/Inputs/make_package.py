"""make_package.py OUT --case NAME - writes a small model package, valid or broken.

The import tests run engramc and engram-run on each broken case and check the
one error message it must produce. Numpy only, so that the tests need no torch.
"""
import argparse
import json
import os
import struct

import numpy as np

CONFIG = {
    "format": "engram-model/1",
    "input_dim": 5,
    "cell": {"hidden_dim": 6, "memory_size": 3},
    "head": {"pooling": "last", "units": 4, "activation": "softmax"},
    "weights": "model.safetensors",
}


def tensors(config):
    d, h, n = config["input_dim"], config["cell"]["hidden_dim"], config["cell"]["memory_size"]
    shapes = {
        "cell.encoder.kernel": (d, h), "cell.encoder.bias": (h,),
        "cell.norm1.gamma": (h,), "cell.norm1.beta": (h,),
        "cell.integrator.kernel": (3 * h, 3 * h), "cell.integrator.bias": (3 * h,),
        "cell.output.kernel": (3 * h, h), "cell.output.bias": (h,),
        "cell.norm2.gamma": (h,), "cell.norm2.beta": (h,),
        "cell.memory": (n, h),
        "readout.kernel": (h, 4), "readout.bias": (4,),
    }
    rng = np.random.default_rng(7)
    return {k: rng.uniform(-0.2, 0.2, s).astype("<f4") for k, s in shapes.items()}


def header_and_data(arrays, dtype_of=None):
    header, blobs, offset = {}, [], 0
    for name in sorted(arrays):
        blob = arrays[name].tobytes()
        header[name] = {"dtype": (dtype_of or {}).get(name, "F32"),
                        "shape": list(arrays[name].shape),
                        "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    return header, b"".join(blobs)


def encode(header, data, length=None):
    text = json.dumps(header).encode() if not isinstance(header, bytes) else header
    return struct.pack("<Q", len(text) if length is None else length) + text + data


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--case", default="valid")
    parser.add_argument("--hidden", type=int, default=CONFIG["cell"]["hidden_dim"],
                        help="hidden width")
    parser.add_argument("--memory", type=int, default=CONFIG["cell"]["memory_size"],
                        help="memory slots")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    config = json.loads(json.dumps(CONFIG))
    config["cell"]["hidden_dim"] = args.hidden
    config["cell"]["memory_size"] = args.memory
    arrays = tensors(config)
    config_text = None
    header_override = None
    case = args.case

    if case == "bad-json":
        config_text = '{"format": "engram-model/1",\n "input_dim": 5,,\n}'
    elif case == "unknown-format":
        config["format"] = "engram-model/9"
    elif case == "unknown-field":
        config["cell"]["hiden_dim"] = 6
    elif case == "bad-value":
        config["cell"]["hidden_dim"] = "six"
    elif case == "bad-pooling":
        config["head"]["pooling"] = "max"
    elif case == "missing-weights-file":
        config["weights"] = "absent.safetensors"
    elif case == "missing-tensor":
        del arrays["cell.memory"]
    elif case == "extra-tensor":
        arrays["pool.kernel"] = np.zeros((6, 1), "<f4")
    elif case == "shape-mismatch":
        arrays["cell.encoder.kernel"] = np.zeros((5, 7), "<f4")
    elif case == "nan-weight":
        arrays["cell.integrator.kernel"][2, 3] = np.nan
    elif case == "inf-weight":
        arrays["readout.bias"][1] = -np.inf

    header, data = header_and_data(arrays)
    if case == "dtype-f16":
        header["cell.memory"]["dtype"] = "F16"
    elif case == "offsets-out-of-range":
        begin, end = header["readout.bias"]["data_offsets"]
        header["readout.bias"]["data_offsets"] = [begin + 4096, end + 4096]
    elif case == "offsets-overlap":
        first = header["cell.encoder.bias"]["data_offsets"]
        size = first[1] - first[0]
        header["cell.norm1.beta"]["data_offsets"] = [first[0] + 4, first[0] + 4 + size]
    elif case == "offsets-size":
        begin, _ = header["cell.memory"]["data_offsets"]
        header["cell.memory"]["data_offsets"] = [begin, begin + 8]
    elif case == "header-json":
        header_override = b'{"cell.memory": {"dtype": "F32", "shape": [3, 6]'

    with open(os.path.join(args.out, "model.json"), "w") as f:
        f.write(config_text if config_text is not None else json.dumps(config, indent=2))
    blob = encode(header_override or header, data)
    if case == "truncated":
        blob = blob[: len(blob) - 100]
    elif case == "short-file":
        blob = blob[:5]
    elif case == "header-too-long":
        blob = encode(header, data, length=len(blob) * 2)
    if case != "missing-weights-file":
        with open(os.path.join(args.out, "model.safetensors"), "wb") as f:
            f.write(blob)
    if case == "valid":
        rng = np.random.default_rng(3)
        np.save(os.path.join(args.out, "x.npy"), rng.uniform(0, 1, (2, 4, 5)).astype("<f4"))


if __name__ == "__main__":
    main()
