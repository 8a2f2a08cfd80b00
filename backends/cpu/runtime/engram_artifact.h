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

/* The ABI version this header describes; engram_abi_version() must match. */
#define ENGRAM_ABI_VERSION 1

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
