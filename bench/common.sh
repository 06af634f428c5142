# Sourced by the bench scripts: the build the README makes (portable, kernels chosen at run time:
# what users get), a data folder, and mpirun as root. build_native makes the -DCROSSMF_NATIVE=ON
# build beside it, for the scripts that compare the two.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD=${BENCH_BUILD:-build-bench}
NATIVE_BUILD=${BENCH_NATIVE_BUILD:-build-bench-native}
DATA=${BENCH_DATA:-/var/tmp/crossmf-bench}
mkdir -p "$DATA"
bench_targets=(crossmf gemm_rate mpi_bandwidth read_rate fresh_memory_rate)
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build "$BUILD" -j 2 --target "${bench_targets[@]}" >/dev/null
build_native() {
  cmake -S . -B "$NATIVE_BUILD" -DCMAKE_BUILD_TYPE=Release -DCROSSMF_NATIVE=ON -DBUILD_TESTING=OFF >/dev/null
  cmake --build "$NATIVE_BUILD" -j 2 --target "${bench_targets[@]}" >/dev/null
}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
CROSSMF="$BUILD/crossmf"
PY=/usr/bin/python3
run() { local np=$1; shift; mpirun --bind-to none -np "$np" "$CROSSMF" "$@"; }
# Generates a data set once (same seed, same bytes) and reuses it.
dataset() { local file=$1; shift; [ -f "$file" ] || run 2 generate --output "$file" --log-level warn "$@"; }
# With BENCH_LOCK set to a lock file, long benches take it around each timed step only (not for
# their whole run), so other jobs that share this machine's cores through the same lock get turns
# in between and never run beside a measurement.
hold_cpu() { [ -z "${BENCH_LOCK:-}" ] || { exec 9>"$BENCH_LOCK"; flock 9; }; }
release_cpu() { [ -z "${BENCH_LOCK:-}" ] || flock -u 9; }
