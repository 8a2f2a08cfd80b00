"""lava_learning.py - the learning neuron of engram's plastic Lava exports.

A LearningDense that learns in Loihi's integers (LearningDense.loihi_traces
in engram_lava.proto; snn.plastic with y3_shift) takes a three-factor rule,
Lava's Loihi3FLearningRule, whose y traces its post-synaptic process sends
every timestep on s_out_y1..y3. No stock Lava process does that for graded
units, so the loader defines one with Lava's own API, as Lava's three-factor
tutorial defines its reward-modulated LIF: a LearningNeuronProcess that is a
graded unit (GradedVec or GradedReluVec: v = a_in, sent when |v| > vth, or
v > vth for relu) and sends y3 = clip(third >> y3_shift, -128, 127), the
third factor's payload (on a_third_factor_in, straight from its s_out, so
the same timestep's) brought within the 7 bits of Lava's traces. bAP, y1
and y2 are sent as zeros: the rule uses none of them.

Lava is imported only when learning_neuron() is first called (the run path).
"""

import functools

import numpy as np

TRACE_LIMIT = (-128, 127)   # the factors' 7 bits and sign in Lava's rules


@functools.lru_cache(maxsize=None)
def learning_neuron():
    """(LearningGradedUnit, its fixed_pt model), defined once Lava imports."""
    from lava.magma.core.decorator import implements, requires, tag
    from lava.magma.core.model.py.neuron import LearningNeuronModelFixed
    from lava.magma.core.model.py.ports import PyInPort, PyOutPort
    from lava.magma.core.model.py.type import LavaPyType
    from lava.magma.core.process.neuron import LearningNeuronProcess
    from lava.magma.core.process.ports.ports import InPort, OutPort
    from lava.magma.core.process.process import AbstractProcess
    from lava.magma.core.process.variable import Var
    from lava.magma.core.resources import CPU
    from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

    class LearningGradedUnit(LearningNeuronProcess, AbstractProcess):
        """A graded unit that sends y3 from its third factor."""

        def __init__(self, *, shape, vth, relu, y3_shift, learning_rule,
                     name=None):
            super().__init__(shape=shape, learning_rule=learning_rule,
                             relu=bool(relu), y3_shift=int(y3_shift),
                             name=name)
            self.a_in = InPort(shape=shape)
            self.s_out = OutPort(shape=shape)
            self.v = Var(shape=shape, init=0)
            self.vth = Var(shape=(1,), init=vth)

    @implements(proc=LearningGradedUnit, protocol=LoihiProtocol)
    @requires(CPU)
    @tag("fixed_pt")
    class LearningGradedUnitModel(LearningNeuronModelFixed):
        a_in = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
        s_out = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
        v = LavaPyType(np.ndarray, np.int32, precision=24)
        vth = LavaPyType(np.ndarray, np.int32, precision=24)

        def run_spk(self):
            self.v = self.a_in.recv().astype(np.int32)
            relu = self.proc_params["relu"]
            fires = self.v > self.vth if relu else np.abs(self.v) > self.vth
            self.s_out.send(self.v * fires)
            third = self.a_third_factor_in.recv().astype(np.int64)
            shift = self.proc_params["y3_shift"]
            self.y3 = np.clip(third >> shift, *TRACE_LIMIT).astype(np.int32)
            zeros = np.zeros(self.v.shape, np.int32)
            self.s_out_bap.send(zeros.astype(bool))
            self.s_out_y1.send(zeros)
            self.s_out_y2.send(zeros)
            self.s_out_y3.send(self.y3)

    return LearningGradedUnit, LearningGradedUnitModel
