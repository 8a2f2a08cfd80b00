//===- CudaProbeKernel.h - a kernel that echoes its parameters --*- C++ -*-===//
//
// PTX of a test kernel with the engram CUDA ABI that computes a known
// function of its input and parameters, so that the host side (launch plan,
// buffers, EngramCudaParams) can be checked on a GPU before the real kernels
// exist. Made from the CUDA source below with
//   nvcc -I. -arch=compute_75 -ptx probe.cu
// then comments and `.pragma` lines dropped and `.version` lowered to 7.0 so
// that drivers older than the toolkit JIT-compile it too. It serves batches
// in tiles of 2 sequences per block and expects D=5, H=7, N=3, C=4.
//
//   extern "C" __global__ void engram_abi_probe(EngramCudaParams p) {
//     const int tile = 2;
//     if (threadIdx.x != 0) return;
//     bool shapeOk = p.inputDim == 5 && p.hidden == 7 && p.slots == 3 && p.units == 4;
//     #pragma unroll 1
//     for (int b = blockIdx.x * tile; b < p.batch && b < (blockIdx.x + 1) * tile; ++b) {
//       float sum = 0.f;
//       #pragma unroll 1
//       for (int i = 0; i < p.steps * p.inputDim; ++i)
//         sum += p.input[b * p.steps * p.inputDim + i];
//       #pragma unroll 1
//       for (int c = 0; c < p.units; ++c)
//         p.output[b * p.units + c] = shapeOk ? sum + p.readoutBias[c] : -1.f;
//       #pragma unroll 1
//       for (int h = 0; h < p.hidden; ++h)
//         p.finalHidden[b * p.hidden + h] = p.encBias[h] + p.invTemperature * b;
//       #pragma unroll 1
//       for (int i = 0; i < p.slots * p.hidden; ++i)
//         p.finalTrace[b * p.slots * p.hidden + i] =
//             p.memory[i] * p.scaleFactor + (p.traceInit ? p.traceInit[i] : 0.f) +
//             (p.norm1Gamma ? 1000.f : 0.f) + p.poolBias;
//     }
//     if (p.scratch) p.scratch[blockIdx.x] = 1.f;
//   }
//
//===----------------------------------------------------------------------===//

#ifndef ENGRAM_TEST_UNIT_CUDAPROBEKERNEL_H
#define ENGRAM_TEST_UNIT_CUDAPROBEKERNEL_H

namespace engram::runtime::testing {

inline constexpr const char *kCudaProbeKernel = "engram_abi_probe";
inline constexpr int kCudaProbeTile = 2;

inline constexpr const char *kCudaProbePtx = R"PTX(.version 7.0
.target sm_75
.address_size 64
.visible .entry engram_abi_probe(
	.param .align 8 .b8 engram_abi_probe_param_0[208]
)
{
	.reg .pred 	%p<40>;
	.reg .f32 	%f<40>;
	.reg .b32 	%r<97>;
	.reg .b64 	%rd<68>;
	mov.b64 	%rd16, engram_abi_probe_param_0;
	mov.u32 	%r48, %tid.x;
	setp.ne.s32 	%p2, %r48, 0;
	@%p2 bra 	$L__BB0_40;
	ld.param.v2.u32 	{%r49, %r50}, [%rd16];
	ld.param.v2.u32 	{%r51, %r52}, [%rd16+8];
	setp.eq.s32 	%p3, %r51, 5;
	setp.eq.s32 	%p4, %r52, 7;
	and.pred  	%p5, %p3, %p4;
	ld.param.v2.u32 	{%r53, %r54}, [%rd16+16];
	setp.eq.s32 	%p6, %r53, 3;
	and.pred  	%p7, %p5, %p6;
	setp.eq.s32 	%p8, %r54, 4;
	and.pred  	%p1, %p7, %p8;
	mov.u32 	%r8, %ctaid.x;
	shl.b32 	%r84, %r8, 1;
	setp.ge.s32 	%p9, %r84, %r49;
	add.s32 	%r10, %r84, 2;
	setp.eq.s32 	%p10, %r84, -2;
	or.pred  	%p11, %p10, %p9;
	@%p11 bra 	$L__BB0_38;
	mul.lo.s32 	%r55, %r51, %r50;
	setp.gt.s32 	%p12, %r55, 0;
	ld.param.u32 	%r56, [%rd16+8];
	ld.param.u32 	%r57, [%rd16+4];
	mul.lo.s32 	%r11, %r56, %r57;
	ld.param.u64 	%rd17, [%rd16+144];
	cvta.to.global.u64 	%rd3, %rd17;
	ld.param.u64 	%rd18, [%rd16+176];
	cvta.to.global.u64 	%rd4, %rd18;
	ld.param.u32 	%r12, [%rd16+20];
	ld.param.u64 	%rd19, [%rd16+40];
	cvta.to.global.u64 	%rd5, %rd19;
	ld.param.f32 	%f1, [%rd16+160];
	ld.param.u64 	%rd20, [%rd16+184];
	cvta.to.global.u64 	%rd6, %rd20;
	ld.param.u32 	%r58, [%rd16+16];
	ld.param.u32 	%r13, [%rd16+12];
	mul.lo.s32 	%r14, %r13, %r58;
	ld.param.u64 	%rd21, [%rd16+112];
	cvta.to.global.u64 	%rd7, %rd21;
	ld.param.f32 	%f2, [%rd16+156];
	ld.param.u64 	%rd22, [%rd16+48];
	setp.eq.s64 	%p13, %rd22, 0;
	selp.f32 	%f3, 0f00000000, 0f447A0000, %p13;
	ld.param.f32 	%f4, [%rd16+172];
	ld.param.u64 	%rd23, [%rd16+192];
	cvta.to.global.u64 	%rd8, %rd23;
	mul.lo.s32 	%r15, %r52, %r53;
	ld.param.u64 	%rd9, [%rd16+120];
	cvta.to.global.u64 	%rd10, %rd9;
	@%p12 bra 	$L__BB0_19;
	bra.uni 	$L__BB0_3;
$L__BB0_19:
	ld.param.u64 	%rd43, [%rd16+24];
	cvta.to.global.u64 	%rd11, %rd43;
$L__BB0_20:
	mul.lo.s32 	%r71, %r11, %r84;
	mul.wide.s32 	%rd44, %r71, 4;
	add.s64 	%rd67, %rd11, %rd44;
	mov.f32 	%f39, 0f00000000;
	mov.u32 	%r91, 0;
$L__BB0_21:
	ld.global.f32 	%f24, [%rd67];
	add.f32 	%f39, %f39, %f24;
	add.s64 	%rd67, %rd67, 4;
	add.s32 	%r91, %r91, 1;
	setp.lt.s32 	%p26, %r91, %r11;
	@%p26 bra 	$L__BB0_21;
	setp.lt.s32 	%p27, %r54, 1;
	@%p27 bra 	$L__BB0_28;
	mul.lo.s32 	%r34, %r12, %r84;
	@%p1 bra 	$L__BB0_26;
	bra.uni 	$L__BB0_24;
$L__BB0_26:
	mov.u32 	%r93, 0;
$L__BB0_27:
	mul.wide.s32 	%rd47, %r93, 4;
	add.s64 	%rd48, %rd3, %rd47;
	ld.global.f32 	%f25, [%rd48];
	add.f32 	%f26, %f39, %f25;
	add.s32 	%r76, %r34, %r93;
	mul.wide.s32 	%rd49, %r76, 4;
	add.s64 	%rd50, %rd4, %rd49;
	st.global.f32 	[%rd50], %f26;
	add.s32 	%r93, %r93, 1;
	setp.lt.s32 	%p29, %r93, %r12;
	@%p29 bra 	$L__BB0_27;
	bra.uni 	$L__BB0_28;
$L__BB0_24:
	mov.u32 	%r92, 0;
$L__BB0_25:
	add.s32 	%r73, %r34, %r92;
	mul.wide.s32 	%rd45, %r73, 4;
	add.s64 	%rd46, %rd4, %rd45;
	mov.u32 	%r74, -1082130432;
	st.global.u32 	[%rd46], %r74;
	add.s32 	%r92, %r92, 1;
	setp.lt.s32 	%p28, %r92, %r12;
	@%p28 bra 	$L__BB0_25;
$L__BB0_28:
	setp.lt.s32 	%p30, %r13, 1;
	@%p30 bra 	$L__BB0_31;
	cvt.rn.f32.s32 	%f27, %r84;
	mul.f32 	%f8, %f1, %f27;
	mul.lo.s32 	%r39, %r13, %r84;
	mov.u32 	%r94, 0;
$L__BB0_30:
	mul.wide.s32 	%rd51, %r94, 4;
	add.s64 	%rd52, %rd5, %rd51;
	ld.global.f32 	%f28, [%rd52];
	add.f32 	%f29, %f28, %f8;
	add.s32 	%r78, %r39, %r94;
	mul.wide.s32 	%rd53, %r78, 4;
	add.s64 	%rd54, %rd6, %rd53;
	st.global.f32 	[%rd54], %f29;
	add.s32 	%r94, %r94, 1;
	setp.lt.s32 	%p31, %r94, %r13;
	@%p31 bra 	$L__BB0_30;
$L__BB0_31:
	setp.lt.s32 	%p32, %r14, 1;
	@%p32 bra 	$L__BB0_37;
	setp.eq.s64 	%p33, %rd9, 0;
	mul.lo.s32 	%r42, %r15, %r84;
	@%p33 bra 	$L__BB0_35;
	mov.u32 	%r95, 0;
$L__BB0_34:
	mul.wide.s32 	%rd55, %r95, 4;
	add.s64 	%rd56, %rd7, %rd55;
	ld.global.f32 	%f30, [%rd56];
	add.s64 	%rd57, %rd10, %rd55;
	ld.global.f32 	%f31, [%rd57];
	fma.rn.f32 	%f32, %f30, %f2, %f31;
	add.f32 	%f33, %f32, %f3;
	add.f32 	%f34, %f4, %f33;
	add.s32 	%r80, %r42, %r95;
	mul.wide.s32 	%rd58, %r80, 4;
	add.s64 	%rd59, %rd8, %rd58;
	st.global.f32 	[%rd59], %f34;
	add.s32 	%r95, %r95, 1;
	setp.lt.s32 	%p34, %r95, %r15;
	@%p34 bra 	$L__BB0_34;
	bra.uni 	$L__BB0_37;
$L__BB0_35:
	mov.u32 	%r96, 0;
$L__BB0_36:
	mul.wide.s32 	%rd60, %r96, 4;
	add.s64 	%rd61, %rd7, %rd60;
	ld.global.f32 	%f35, [%rd61];
	fma.rn.f32 	%f36, %f35, %f2, 0f00000000;
	add.f32 	%f37, %f36, %f3;
	add.f32 	%f38, %f4, %f37;
	add.s32 	%r82, %r42, %r96;
	mul.wide.s32 	%rd62, %r82, 4;
	add.s64 	%rd63, %rd8, %rd62;
	st.global.f32 	[%rd63], %f38;
	add.s32 	%r96, %r96, 1;
	setp.lt.s32 	%p35, %r96, %r15;
	@%p35 bra 	$L__BB0_36;
$L__BB0_37:
	add.s32 	%r84, %r84, 1;
	setp.lt.s32 	%p36, %r84, %r49;
	setp.lt.u32 	%p37, %r84, %r10;
	and.pred  	%p38, %p37, %p36;
	@%p38 bra 	$L__BB0_20;
	bra.uni 	$L__BB0_38;
$L__BB0_3:
	setp.lt.s32 	%p14, %r54, 1;
	@%p14 bra 	$L__BB0_9;
	mul.lo.s32 	%r17, %r12, %r84;
	@%p1 bra 	$L__BB0_7;
	bra.uni 	$L__BB0_5;
$L__BB0_7:
	mov.u32 	%r86, 0;
$L__BB0_8:
	mul.wide.s32 	%rd26, %r86, 4;
	add.s64 	%rd27, %rd3, %rd26;
	ld.global.f32 	%f9, [%rd27];
	add.f32 	%f10, %f9, 0f00000000;
	add.s32 	%r63, %r17, %r86;
	mul.wide.s32 	%rd28, %r63, 4;
	add.s64 	%rd29, %rd4, %rd28;
	st.global.f32 	[%rd29], %f10;
	add.s32 	%r86, %r86, 1;
	setp.lt.s32 	%p16, %r86, %r12;
	@%p16 bra 	$L__BB0_8;
	bra.uni 	$L__BB0_9;
$L__BB0_5:
	mov.u32 	%r85, 0;
$L__BB0_6:
	add.s32 	%r60, %r17, %r85;
	mul.wide.s32 	%rd24, %r60, 4;
	add.s64 	%rd25, %rd4, %rd24;
	mov.u32 	%r61, -1082130432;
	st.global.u32 	[%rd25], %r61;
	add.s32 	%r85, %r85, 1;
	setp.lt.s32 	%p15, %r85, %r12;
	@%p15 bra 	$L__BB0_6;
$L__BB0_9:
	setp.lt.s32 	%p17, %r13, 1;
	@%p17 bra 	$L__BB0_12;
	cvt.rn.f32.s32 	%f11, %r84;
	mul.f32 	%f5, %f1, %f11;
	mul.lo.s32 	%r22, %r13, %r84;
	mov.u32 	%r87, 0;
$L__BB0_11:
	mul.wide.s32 	%rd30, %r87, 4;
	add.s64 	%rd31, %rd5, %rd30;
	ld.global.f32 	%f12, [%rd31];
	add.f32 	%f13, %f12, %f5;
	add.s32 	%r65, %r22, %r87;
	mul.wide.s32 	%rd32, %r65, 4;
	add.s64 	%rd33, %rd6, %rd32;
	st.global.f32 	[%rd33], %f13;
	add.s32 	%r87, %r87, 1;
	setp.lt.s32 	%p18, %r87, %r13;
	@%p18 bra 	$L__BB0_11;
$L__BB0_12:
	setp.lt.s32 	%p19, %r14, 1;
	@%p19 bra 	$L__BB0_18;
	setp.eq.s64 	%p20, %rd9, 0;
	mul.lo.s32 	%r25, %r15, %r84;
	@%p20 bra 	$L__BB0_16;
	mov.u32 	%r88, 0;
$L__BB0_15:
	mul.wide.s32 	%rd34, %r88, 4;
	add.s64 	%rd35, %rd7, %rd34;
	ld.global.f32 	%f14, [%rd35];
	add.s64 	%rd36, %rd10, %rd34;
	ld.global.f32 	%f15, [%rd36];
	fma.rn.f32 	%f16, %f14, %f2, %f15;
	add.f32 	%f17, %f16, %f3;
	add.f32 	%f18, %f4, %f17;
	add.s32 	%r67, %r25, %r88;
	mul.wide.s32 	%rd37, %r67, 4;
	add.s64 	%rd38, %rd8, %rd37;
	st.global.f32 	[%rd38], %f18;
	add.s32 	%r88, %r88, 1;
	setp.lt.s32 	%p21, %r88, %r15;
	@%p21 bra 	$L__BB0_15;
	bra.uni 	$L__BB0_18;
$L__BB0_16:
	mov.u32 	%r89, 0;
$L__BB0_17:
	mul.wide.s32 	%rd39, %r89, 4;
	add.s64 	%rd40, %rd7, %rd39;
	ld.global.f32 	%f19, [%rd40];
	fma.rn.f32 	%f20, %f19, %f2, 0f00000000;
	add.f32 	%f21, %f20, %f3;
	add.f32 	%f22, %f4, %f21;
	add.s32 	%r69, %r25, %r89;
	mul.wide.s32 	%rd41, %r69, 4;
	add.s64 	%rd42, %rd8, %rd41;
	st.global.f32 	[%rd42], %f22;
	add.s32 	%r89, %r89, 1;
	setp.lt.s32 	%p22, %r89, %r15;
	@%p22 bra 	$L__BB0_17;
$L__BB0_18:
	add.s32 	%r84, %r84, 1;
	setp.lt.s32 	%p23, %r84, %r49;
	setp.lt.u32 	%p24, %r84, %r10;
	and.pred  	%p25, %p24, %p23;
	@%p25 bra 	$L__BB0_3;
$L__BB0_38:
	ld.param.u64 	%rd15, [%rd16+200];
	setp.eq.s64 	%p39, %rd15, 0;
	@%p39 bra 	$L__BB0_40;
	cvta.to.global.u64 	%rd64, %rd15;
	mul.wide.u32 	%rd65, %r8, 4;
	add.s64 	%rd66, %rd64, %rd65;
	mov.u32 	%r83, 1065353216;
	st.global.u32 	[%rd66], %r83;
$L__BB0_40:
	ret;
}
)PTX";

} // namespace engram::runtime::testing

#endif // ENGRAM_TEST_UNIT_CUDAPROBEKERNEL_H
