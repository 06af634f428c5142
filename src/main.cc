// crossmf: distributed matrix factorization for cross-selling.
// main parses the configuration, runs one subcommand on every rank, and alone decides how the
// process ends: MPI_Finalize when every rank agreed on the outcome, MPI_Abort when one rank
// failed alone (finalizing then would leave the others waiting in a collective forever), and
// leaving at once after an agreed stop that a kill follows (its launcher is going down).
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "jobs/jobs.h"
#include "src/base/config.h"
#include "src/base/log.h"
#include "src/base/signals.h"
#include "src/comm/comm.h"
#include "src/kernels/kernels.h"

using namespace crossmf;

namespace {

// Every rank must run with the same options; a config file edited mid-launch would not be.
void check_same_everywhere(const Comm& comm, const std::string& resolved) {
  const std::uint64_t h = std::hash<std::string>{}(resolved);
  if (comm.min(h) != comm.max(h))
    throw Error(Exit::usage, "ranks resolved different options (was the --config file changed during launch?); run again with a settled file");
}

// `crossmf --version`: the version, and which kernels this build holds and this CPU runs.
std::string version() {
  std::string s = fmt::format("crossmf {}\nkernels in use: {}\nkernel levels in this build (CROSSMF_ISA):",
                              CROSSMF_VERSION, kernels().description);
  for (const std::string& level : kernel_levels())
    s += fmt::format(" {}{}", level, kernels_at(level) ? "" : " (not on this CPU)");
  return s + "\n";
}

}  // namespace

int main(int argc, char** argv) {
  install_stop_handlers();
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  int code = 0;
  {
    Comm world;
    set_stop_reporter(world.root());
    try {
      Config config;
      const bool show_version = argc == 2 && std::string(argv[1]) == "--version";
      agreed(world, [&] {
        kernels();  // a bad CROSSMF_ISA ends every subcommand here, on every rank
        if (show_version) return;
        config = parse_config(argc, argv);
        if (!config.help) validate(config);
      });
      if (show_version) {
        if (world.root()) std::fputs(version().c_str(), stdout);
      } else if (config.help) {
        if (world.root()) std::fputs(config.resolved.c_str(), stdout);
      } else {
        init_logging(world.rank(), name_of(config.log_level));
        agreed(world, [&] { check_same_everywhere(world, config.resolved); });
        switch (config.command) {
          case Command::kGenerate: run_generate(config, world); break;
          case Command::kImport: run_import(config, world); break;
          case Command::kTrain: run_train(config, world); break;
          case Command::kInspect: run_inspect(config, world); break;
          case Command::kScore: run_score(config, world); break;
          case Command::kLift: run_lift(config, world); break;
        }
      }
    } catch (const AgreedError& e) {
      code = static_cast<int>(e.code());
      if (world.root()) std::fprintf(stderr, "crossmf: error: %s\n", e.what());
    } catch (const std::exception& e) {
      // Only this rank knows: the others may sit in a collective. Take the whole job down.
      std::fprintf(stderr, "crossmf: rank %d: unrecoverable error: %s\n", world.rank(), e.what());
      std::fflush(stderr);
      const Error* known = dynamic_cast<const Error*>(&e);
      MPI_Abort(MPI_COMM_WORLD, known ? static_cast<int>(known->code()) : 1);
    }
    std::fflush(stdout);
    std::fflush(stderr);
    if (code == static_cast<int>(Exit::terminated)) {
      // Every rank holds the same stop, so every rank is here. When a kill follows (on any rank),
      // the launcher is going down and MPI_Finalize would wait for it: once all have unwound
      // (temporary files removed; the allreduce is the barrier) they leave together, since
      // mpirun kills the others as soon as one exits.
      stop_honoured();
      if (world.max<int>(stop_has_deadline() ? 1 : 0) != 0) std::_Exit(code);
    }
  }
  MPI_Finalize();
  return code;
}
