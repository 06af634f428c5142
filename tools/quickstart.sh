#!/usr/bin/env bash
# The README's Quick start.
#   tools/quickstart.sh demo   install what is missing, build, generate the demo platform, run
#                              the main job on it with mpirun -np 2, and write the HTML report
#   tools/quickstart.sh test   install what is missing, build, run every test
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-demo}
bash tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
case "$what" in
  demo)
    mkdir -p demo
    mpirun -np 2 build/crossmf generate --output demo/platform.h5
    mpirun -np 2 build/crossmf train --input demo/platform.h5 --output demo/crossmf-output.h5
    build/crossmf inspect demo/crossmf-output.h5
    /usr/bin/python3 tools/report.py demo/crossmf-output.h5 demo/report
    echo "The manager's report: $(pwd)/demo/report/report.html (one file: open it in a browser, or mail it)"
    ;;
  test)
    ctest --test-dir build --output-on-failure
    ;;
  *) echo "usage: $0 demo|test" >&2; exit 2 ;;
esac
