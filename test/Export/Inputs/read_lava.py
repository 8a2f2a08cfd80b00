"""Prints an engram Lava graph (.pb) as text, read with python3-protobuf and
the module generated from backends/lava/engram_lava.proto: one line per
process (kind, size or shape, the Lava keyword arguments that matter) and per
connection, so that lit checks what Lava would be given.

    read_lava.py NET.pb
"""
import sys

import engram_lava_pb2 as pb


def describe(process):
    kind = process.WhichOneof("kind")
    body = getattr(process, kind)
    if kind == "source":
        what = (f"size={body.size} encoding={pb.Encoding.Name(body.encoding)}"
                f" offset={body.input_offset}")
        if body.constant:
            what += f" constant[{len(body.constant)}]"
        return what
    if kind == "lif":
        return (f"size={body.size} du={body.du:g} dv={body.dv:g} "
                f"vth={body.vth:g} bias_mant[{len(body.bias_mant)}]")
    if kind in ("graded_vec", "graded_relu_vec"):
        return f"size={body.size} vth={body.vth} exp={body.exp}"
    w = body.weights
    what = (f"({w.n_out}, {w.n_in}) weight_exp={w.weight_exp} "
            f"num_weight_bits={w.num_weight_bits} "
            f"sign_mode={pb.SignMode.Name(w.sign_mode)} "
            f"num_message_bits={w.num_message_bits} "
            f"dense[{len(w.dense)}] sparse[{len(w.values)}]")
    if kind in ("delay_dense", "delay_sparse", "learning_dense"):
        what += f" delays={body.delays}"
    if kind == "learning_dense":
        r = body.learning_rule
        what += (f" dw='{r.dw}' t_epoch={r.t_epoch} "
                 f"three_factor={r.three_factor} third={body.third_factor}")
        if body.loihi_traces:
            what += f" loihi_traces y3_shift={body.y3_shift}"
    return what


def main():
    net = pb.Network()
    with open(sys.argv[1], "rb") as f:
        net.ParseFromString(f.read())
    print(f"network {net.name} schema={net.schema_version} tag={net.tag} "
          f"T={net.timesteps_per_step} D={net.input_width} "
          f"payload_fraction_bits={net.payload_fraction_bits}")
    for process in net.processes:
        print(f"process {process.name} {process.WhichOneof('kind')} "
              f"{describe(process)}")
    for c in net.connections:
        print(f"connect {c.src_process}.{c.src_port} -> "
              f"{c.dst_process}.{c.dst_port}")
    p = net.probe
    print(f"probe {p.target} {pb.Probe.Decode.Name(p.decode)} "
          f"scale[{len(p.scale)}] offset[{len(p.offset)}]")


if __name__ == "__main__":
    main()
