"""expect_exit.py CODE CMD... - runs CMD and succeeds only if it exits with CODE.

lit's `not` accepts any non-zero status; engram promises exit code 1 (and no
crash) for every bad input, so tests check the exact code. CMD's output is
passed through for FileCheck.
"""
import subprocess
import sys

expected = int(sys.argv[1])
proc = subprocess.run(sys.argv[2:])
if proc.returncode != expected:
    sys.stderr.write(f"expect_exit: expected exit code {expected}, got {proc.returncode}\n")
    sys.exit(1)
