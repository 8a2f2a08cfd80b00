"""Under AddressSanitizer (test/lit.cfg.py's %python-ext) Python runs with
the ASan runtime preloaded, which the extensions need. The tools the tests
start (engramc, engram-run) carry their own runtime and refuse a second, so
they must not inherit the preload. (Dask's worker processes would import the
extensions without it, so test_dask.py's workers are threads under ASan.)"""
import os

ASAN_PRELOAD = os.environ.pop("LD_PRELOAD", None)
