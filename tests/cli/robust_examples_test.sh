#!/usr/bin/env bash
# Each example of issue 17 (hangs, crashes, destroyed files, signals, wrong codes and messages,
# things accepted silently), as a case of its own with the checks of tests/tools/fuzz_run.py.
source "$(dirname "$0")/fuzz_lib.sh"
run_fuzz --examples
