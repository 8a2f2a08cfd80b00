"""Writes malformed variants of an engram Lava graph, one file per defect, for
the error tests of lava.test:

    break_lava.py GOOD.pb OUTDIR
"""
import os
import sys

import engram_lava_pb2 as pb


def main():
    good, out = sys.argv[1], sys.argv[2]
    data = open(good, "rb").read()

    def save(name, net):
        with open(os.path.join(out, name), "wb") as f:
            f.write(net.SerializeToString())

    def load():
        net = pb.Network()
        net.ParseFromString(data)
        return net

    with open(os.path.join(out, "garbage.pb"), "wb") as f:
        f.write(b"\xff\xff\xff\xff not a protobuf")
    with open(os.path.join(out, "truncated.pb"), "wb") as f:
        f.write(data[: len(data) // 2])

    net = load()
    net.schema_version = 7
    save("newer.pb", net)

    net = load()
    net.connections[0].src_process = "nowhere"
    save("dangling.pb", net)

    net = load()
    for p in net.processes:
        if p.WhichOneof("kind") == "dense":
            del p.dense.weights.dense[-1]
            break
    save("short.pb", net)

    net = load()
    net.tag = "analog"
    save("tag.pb", net)

    net = load()
    for p in net.processes:
        if p.WhichOneof("kind") == "learning_dense":
            p.learning_dense.learning_rule.dw = "dw = 2^-2*x1*y1"
            break
    save("rule.pb", net)

    # Learning in Loihi's integers: a y3_shift beyond the payload's bits,
    # and one without loihi_traces.
    for name, loihi_traces, shift in (("shift.pb", True, 30),
                                      ("stray-shift.pb", False, 4)):
        net = load()
        for p in net.processes:
            if p.WhichOneof("kind") == "learning_dense":
                p.learning_dense.loihi_traces = loihi_traces
                p.learning_dense.y3_shift = shift
                p.learning_dense.weights.sign_mode = 0  # as the weights say
                break
        save(name, net)


if __name__ == "__main__":
    main()
