/*===- Shim.c - the C ABI of engram CPU artifacts --------------------------===*
 *
 * Compiled to LLVM bitcode when engram is built and linked into every CPU
 * artifact by engramc. It wraps the generated entry point
 *
 *   _mlir_ciface_engram_forward(input, h0, trace0, output, hidden, trace)
 *
 * (each argument a pointer to an MLIR memref descriptor; a model without
 * final states takes only input and output) in the functions of
 * engram_artifact.h, splits a batch over threads, and keeps the final states.
 * The generated code also defines engram_layout[] (shapes),
 * engram_metadata_json[] and engram_initial_trace[] (the model's T0, N x H).
 * Only libc and pthreads are used.
 *
 *===----------------------------------------------------------------------===*/

#include "backends/cpu/runtime/engram_artifact.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Written by engramc into the artifact, see backends/cpu/CpuCodegen.cpp. */
enum {
  kLayoutAbi,         /* ENGRAM_ABI_VERSION */
  kLayoutInputDim,    /* D */
  kLayoutOutputRank,  /* 2: batch x C, 3: batch x steps x C */
  kLayoutOutputUnits, /* C */
  kLayoutHasState,    /* 1 when the entry returns (output, h, trace) */
  kLayoutHidden,      /* H */
  kLayoutTraceRank,   /* 3: per-sequence, 2: shared (batch_mean) */
  kLayoutSlots,       /* N */
  kLayoutSize
};
extern const int64_t engram_layout[kLayoutSize];
extern const char engram_metadata_json[];
extern const float engram_initial_trace[];

/* void _mlir_ciface_engram_forward(desc *input, [desc *h0, desc *trace0,]
 * desc *output[, desc *h, desc *trace]). Descriptors are { float *allocated,
 * *aligned; int64_t offset, sizes[rank], strides[rank]; }, all 8-byte fields.
 * Its arity depends on the model (engram_layout[kLayoutHasState]), so it is
 * declared with no parameters and called through a pointer of its real type. */
extern void _mlir_ciface_engram_forward(void);

struct engram_model {
  /* The final states of the last run, and the initial ones it started
   * from (a copy of the caller's, or the defaults). */
  float *hidden, *trace, *hidden0, *trace0;
  int64_t batch, capacity;
  int hasStates;
  char error[256];
};

/* A memref descriptor of rank <= 3 over a row-major buffer. */
typedef struct {
  int64_t fields[3 + 2 * 3];
} Descriptor;

static Descriptor describe(float *data, int rank, const int64_t *sizes) {
  Descriptor d;
  memset(&d, 0, sizeof(d));
  memcpy(&d.fields[0], &data, sizeof(data));
  memcpy(&d.fields[1], &data, sizeof(data));
  d.fields[2] = 0;
  int64_t stride = 1;
  for (int i = rank - 1; i >= 0; --i) {
    d.fields[3 + i] = sizes[i];
    d.fields[3 + rank + i] = stride;
    stride *= sizes[i];
  }
  return d;
}

typedef void (*ForwardOutput)(Descriptor *, Descriptor *);
typedef void (*ForwardStates)(Descriptor *, Descriptor *, Descriptor *,
                              Descriptor *, Descriptor *, Descriptor *);

typedef struct {
  const float *input;
  float *output, *hidden, *trace, *hidden0, *trace0;
  int64_t batch, steps;
} Slice;

static void runSlice(const Slice *s) {
  const int64_t *L = engram_layout;
  int64_t inSizes[3] = {s->batch, s->steps, L[kLayoutInputDim]};
  int64_t outSizes[3] = {s->batch, s->steps, L[kLayoutOutputUnits]};
  if (L[kLayoutOutputRank] == 2)
    outSizes[1] = L[kLayoutOutputUnits];
  int64_t hSizes[2] = {s->batch, L[kLayoutHidden]};
  int64_t tSizes[3] = {s->batch, L[kLayoutSlots], L[kLayoutHidden]};
  int traceRank = (int)L[kLayoutTraceRank];
  Descriptor in = describe((float *)s->input, 3, inSizes);
  Descriptor out = describe(s->output, (int)L[kLayoutOutputRank], outSizes);
  if (!L[kLayoutHasState]) {
    ((ForwardOutput)_mlir_ciface_engram_forward)(&in, &out);
    return;
  }
  const int64_t *traceSizes = traceRank == 3 ? tSizes : tSizes + 1;
  Descriptor h0 = describe(s->hidden0, 2, hSizes);
  Descriptor t0 = describe(s->trace0, traceRank, traceSizes);
  Descriptor h = describe(s->hidden, 2, hSizes);
  Descriptor t = describe(s->trace, traceRank, traceSizes);
  ((ForwardStates)_mlir_ciface_engram_forward)(&in, &h0, &t0, &out, &h, &t);
}

static void *runSliceThread(void *slice) {
  runSlice((const Slice *)slice);
  return NULL;
}

int engram_abi_version(void) { return (int)engram_layout[kLayoutAbi]; }

const char *engram_metadata(void) { return engram_metadata_json; }

engram_model *engram_create(void) {
  return (engram_model *)calloc(1, sizeof(engram_model));
}

void engram_destroy(engram_model *model) {
  if (!model)
    return;
  free(model->hidden);
  free(model->trace);
  free(model->hidden0);
  free(model->trace0);
  free(model);
}

const char *engram_last_error(const engram_model *model) {
  return model ? model->error : "no model";
}

static int fail(engram_model *model, const char *message) {
  snprintf(model->error, sizeof(model->error), "%s", message);
  return -1;
}

/* Grows `*buffer` to `floats` floats; 0 on success. */
static int grow(float **buffer, int64_t floats) {
  float *grown = (float *)realloc(*buffer, sizeof(float) * (floats + 1));
  if (!grown)
    return -1;
  *buffer = grown;
  return 0;
}

/* Fills the initial states of a run of `batch` sequences: the caller's, or
 * h = 0 and the model's T0 (copied to every sequence of a per-sequence
 * trace). The artifact works on copies, so the caller's stay untouched. */
static void startFrom(engram_model *model, int64_t batch, const float *h0,
                      const float *t0) {
  const int64_t *L = engram_layout;
  int64_t hidden = L[kLayoutHidden], cell = L[kLayoutSlots] * hidden;
  int64_t traces = L[kLayoutTraceRank] == 2 ? 1 : batch;
  if (h0)
    memcpy(model->hidden0, h0, sizeof(float) * batch * hidden);
  else
    memset(model->hidden0, 0, sizeof(float) * batch * hidden);
  if (t0)
    memcpy(model->trace0, t0, sizeof(float) * traces * cell);
  else
    for (int64_t b = 0; b < traces; ++b)
      memcpy(model->trace0 + b * cell, engram_initial_trace,
             sizeof(float) * cell);
}

int engram_run(engram_model *model, int64_t batch, int64_t steps,
               const float *input, float *output, int threads) {
  return engram_run_from(model, batch, steps, input, output, threads, NULL,
                         NULL);
}

int engram_run_from(engram_model *model, int64_t batch, int64_t steps,
                    const float *input, float *output, int threads,
                    const float *h0, const float *t0) {
  const int64_t *L = engram_layout;
  if (!model)
    return -1;
  model->error[0] = 0;
  if (batch < 1 || steps < 1)
    return fail(model, "batch and steps must be at least 1");
  if (!input || !output)
    return fail(model, "input and output must not be null");
  if ((h0 || t0) && !L[kLayoutHasState])
    return fail(model, "this artifact returns no final states, so it "
                       "cannot start from a given state");
  int64_t hidden = L[kLayoutHidden], slots = L[kLayoutSlots];
  int shared = L[kLayoutTraceRank] == 2;
  int64_t traceFloats = (shared ? 1 : batch) * slots * hidden;
  /* The state buffers are kept from run to run and grow when needed. */
  model->hasStates = 0;
  if (batch > model->capacity) {
    if (grow(&model->hidden, batch * hidden) ||
        grow(&model->trace, traceFloats) ||
        grow(&model->hidden0, batch * hidden) ||
        grow(&model->trace0, traceFloats))
      return fail(model, "out of memory for the states");
    model->capacity = batch;
  }
  model->batch = batch;
  if (L[kLayoutHasState])
    startFrom(model, batch, h0, t0);

  /* A shared trace couples the batch: one slice. */
  if (threads < 1 || shared)
    threads = 1;
  if (threads > batch)
    threads = (int)batch;
  int64_t outPerSequence =
      (L[kLayoutOutputRank] == 3 ? steps : 1) * L[kLayoutOutputUnits];
  Slice slices[64];
  pthread_t workers[64];
  if (threads > 64)
    threads = 64;
  int64_t begin = 0;
  for (int i = 0; i < threads; ++i) {
    int64_t count = batch / threads + (i < batch % threads ? 1 : 0);
    int64_t traceOffset = shared ? 0 : begin * slots * hidden;
    Slice *s = &slices[i];
    s->input = input + begin * steps * L[kLayoutInputDim];
    s->output = output + begin * outPerSequence;
    s->hidden = model->hidden + begin * hidden;
    s->trace = model->trace + traceOffset;
    s->hidden0 = model->hidden0 + begin * hidden;
    s->trace0 = model->trace0 + traceOffset;
    s->batch = count;
    s->steps = steps;
    begin += count;
  }
  int started = 0;
  for (int i = 1; i < threads; ++i, ++started)
    if (pthread_create(&workers[i], NULL, runSliceThread, &slices[i]) != 0)
      break;
  runSlice(&slices[0]);
  for (int i = 1; i <= started; ++i)
    pthread_join(workers[i], NULL);
  /* Slices whose thread could not start run here. */
  for (int i = started + 1; i < threads; ++i)
    runSlice(&slices[i]);
  model->hasStates = (int)L[kLayoutHasState];
  return 0;
}

int engram_read_states(const engram_model *model, float *hidden,
                       float *trace) {
  const int64_t *L = engram_layout;
  if (!model || !model->hasStates)
    return -1;
  int64_t traceFloats = (L[kLayoutTraceRank] == 2 ? 1 : model->batch) *
                        L[kLayoutSlots] * L[kLayoutHidden];
  if (hidden)
    memcpy(hidden, model->hidden,
           sizeof(float) * model->batch * L[kLayoutHidden]);
  if (trace)
    memcpy(trace, model->trace, sizeof(float) * traceFloats);
  return 0;
}
