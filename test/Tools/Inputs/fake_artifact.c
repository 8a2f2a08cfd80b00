/* A shared object that looks like an engram artifact on the outside; the
 * tests compile it with -DABI=... -DMETADATA=... to check engram-run's
 * refusals. It has no model: engram_run would fail. */
#ifndef ABI
#define ABI 1
#endif
#ifndef METADATA
#define METADATA "{}"
#endif
int engram_abi_version(void) { return ABI; }
const char *engram_metadata(void) { return METADATA; }
void *engram_create(void) { return (void *)1; }
void engram_destroy(void *m) { (void)m; }
int engram_run(void *m, long b, long s, const float *x, float *y, int t) { return -1; }
int engram_read_states(const void *m, float *h, float *t) { return -1; }
const char *engram_last_error(const void *m) { return "fake artifact"; }
