/*===- engram_artifact.h - C ABI of engram CPU artifacts ------------------===*
 *
 * Every shared object made by `engramc --target=cpu` exports these
 * functions. A program (engram-run, or yours) dlopens the artifact, checks
 * engram_metadata(), creates a model, runs batches and reads the final
 * states. The artifact needs only libc, libm and libpthread: the weights are
 * in its read-only data and no MLIR runtime is involved.
 *
 *===----------------------------------------------------------------------===*/

#ifndef ENGRAM_ARTIFACT_H
#define ENGRAM_ARTIFACT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes; engram_abi_version() must match.
 * Version 2 added engram_run_from (version 1 artifacts have only
 * engram_run, which starts every run from h = 0 and T = T0). */
#define ENGRAM_ABI_VERSION 2

typedef struct engram_model engram_model;

/* The ABI version of the artifact. */
int engram_abi_version(void);

/* JSON describing the artifact: format, shapes, configuration, target. */
const char *engram_metadata(void);

/* A model instance holding the final states of its last run. */
engram_model *engram_create(void);
void engram_destroy(engram_model *model);

/* Runs `batch` sequences of `steps` steps. `input` holds batch x steps x D
 * floats (row-major); `output` receives batch x C (pooled) or
 * batch x steps x C (sequence) floats, as engram_metadata() says. `threads`
 * splits the batch over that many threads (per-sequence traces only; 0 or 1
 * runs on the calling thread). Returns 0, or -1 with engram_last_error(). */
int engram_run(engram_model *model, int64_t batch, int64_t steps,
               const float *input, float *output, int threads);

/* engram_run starting from the state (h0, t0) instead of h = 0 and the
 * model's T0: `h0` holds batch x H floats, `t0` batch x N x H
 * (per-sequence) or N x H (batch_mean) floats, as engram_read_states
 * writes them; either may be NULL for its default. Running S steps equals
 * running S1 steps, reading the states and running the other S - S1 from
 * them. Models without final states refuse a non-NULL state. The caller's
 * buffers are only read. */
int engram_run_from(engram_model *model, int64_t batch, int64_t steps,
                    const float *input, float *output, int threads,
                    const float *h0, const float *t0);

/* The trace a run starts from when engram_run_from gets no t0: the
 * model's T0, N x H floats (zeros unless the package has cell.trace_init),
 * copied to every sequence of a per-sequence trace. Version 2. */
extern const float engram_initial_trace[];

/* Copies the final states of the last run: `hidden` batch x H floats,
 * `trace` batch x N x H (per-sequence) or N x H (batch_mean) floats.
 * Returns 0, or -1 when there was no successful run. */
int engram_read_states(const engram_model *model, float *hidden,
                       float *trace);

/* The message of the last failure of `model`, or "". */
const char *engram_last_error(const engram_model *model);

#ifdef __cplusplus
}
#endif

#endif /* ENGRAM_ARTIFACT_H */
