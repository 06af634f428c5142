#!/usr/bin/env bash
# The fuzz test of issue 17: a few hundred malformed inputs, checkpoints, options, paths and
# signals, each derived from a valid one with one thing broken (tests/tools/fuzz_cases.py: one
# case per class and dataset; every dataset of the input schema, the checkpoint, every option of
# every subcommand), each run under real mpirun on 1, 2 or 3 ranks (within a class 2, 3, 1, ...)
# and checked by tests/tools/fuzz_run.py: the documented code on every rank, one message naming
# what is wrong and the fix, no crash text, under 30 s, every file it names byte-identical, no
# temporary file left, a checkpoint after a stop exactly when training had started.
# FUZZ_ONLY=REGEX runs the cases whose name matches.
source "$(dirname "$0")/fuzz_lib.sh"
run_fuzz
