#include "src/base/signals.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "src/base/error.h"

namespace crossmf {

namespace {

// Written by the handler, so lock-free atomics only.
std::atomic<int> g_signal{0};                   // the first stop request, which messages name
std::atomic<int> g_term{0};                     // the first SIGTERM, SIGINT or SIGHUP: a kill may follow it
std::atomic<long long> g_signal_ns{0}, g_term_ns{0}, g_cont_ns{0};
std::atomic<bool> g_reporter{false}, g_honoured{false};
std::atomic<int> g_budget_ms{-1};  // the watchdog's estimate of the time to a kill (0: none); -1 not yet known
static_assert(std::atomic<long long>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

long long now_ns() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<long long>(t.tv_sec) * 1000000000LL + t.tv_nsec;
}

void request(int sig) {
  int none = 0;
  if (g_signal.compare_exchange_strong(none, sig)) g_signal_ns = now_ns();
}

extern "C" void on_signal(int sig) {
  const long long now = now_ns();
  if (sig == SIGCONT) {  // mpirun's kill sequence starts with it (see budget below)
    g_cont_ns = now;
    return;
  }
  // A SIGTERM after a SIGUSR1 still brings its kill: its time is kept apart.
  int none = 0;
  if (sig != SIGUSR1 && g_term.compare_exchange_strong(none, sig)) g_term_ns = now;
  request(sig);
}

// How the process was started, read once before MPI_Init.
struct Launch {
  bool orte = false;          // forked by Open MPI's mpirun, which kills after odls_timeout
  double odls_timeout = 1;    // OMPI_MCA_odls_base_sigkill_timeout
  double kill_wait = -1;      // Slurm's KillWait (CROSSMF_KILL_WAIT, default 30) under Slurm; -1 outside
  pid_t parent = 0;
};
Launch g_launch;

double env_seconds(const char* name, double fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const double x = std::strtod(v, &end);
  return end && *end == '\0' && x > 0 && x < 1e6 ? x : fallback;
}

// The time from a SIGTERM (or SIGINT, SIGHUP) at `at` to the kill that follows it.
struct Budget {
  double seconds = std::numeric_limits<double>::infinity();  // none comes
  bool mpirun = false;  // mpirun's own kill sequence
};
Budget budget_after_term(long long at, long long cont) {
  // mpirun, terminated, sends SIGCONT, then SIGTERM odls_timeout later (Slurm sends both at once).
  const double since_cont = cont > 0 ? static_cast<double>(at - cont) * 1e-9 : -1;
  if (g_launch.orte && since_cont >= 0.5 * g_launch.odls_timeout && since_cont <= g_launch.odls_timeout + 1)
    return {g_launch.odls_timeout, true};
  if (g_launch.kill_wait > 0) return {g_launch.kill_wait, false};
  return {};
}

std::mutex g_temp_mutex;
std::vector<std::string> g_temp;  // registered temporary files; "" marks a free slot

[[noreturn]] void emergency_exit(int sig, const Budget& b) {
  {
    std::lock_guard<std::mutex> lock(g_temp_mutex);
    for (const std::string& p : g_temp)
      if (!p.empty()) ::unlink(p.c_str());
  }
  if (g_reporter && !g_honoured) {
    const std::string why =
        sig == kLauncherEnded
            ? fmt::format("its launcher ended and the ranks did not agree to stop within {:g} s", 0.6 * b.seconds)
            : fmt::format("{} came with only {:g} s until {}", stop_name(sig), b.seconds,
                          b.mpirun ? "mpirun kills the ranks (Open MPI's odls_base_sigkill_timeout)"
                                   : "the SIGKILL (Slurm's KillWait, CROSSMF_KILL_WAIT)");
    const std::string fix = b.mpirun ? "send SIGUSR1 to mpirun instead (it passes it on and waits), or export "
                                       "OMPI_MCA_odls_base_sigkill_timeout=60 before mpirun"
                                     : "ask Slurm for an earlier signal (#SBATCH --signal=B:USR1@300, as "
                                       "slurm/train.sbatch does)";
    const std::string text = fmt::format(
        "crossmf: error: stopped: {}; too little to reach a safe point, so no checkpoint was written now (one written "
        "earlier is kept) and temporary files were removed. To stop with a checkpoint, {}\n", why, fix);
    [[maybe_unused]] const ssize_t put = ::write(STDERR_FILENO, text.data(), text.size());
  }
  ::_exit(static_cast<int>(Exit::terminated));
}

// Sets deadlines and notices the launcher's end; never touches MPI.
void watch() {
  constexpr double kNever = std::numeric_limits<double>::infinity();
  double deadline = kNever;
  int cause = 0;
  Budget budget;
  bool term_seen = false, launcher_seen = false;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!launcher_seen && g_launch.parent > 1 && ::getppid() != g_launch.parent) {
      // Nobody will kill the orphans: a safety net only, should the others be gone too.
      launcher_seen = true;
      request(kLauncherEnded);
      if (const double d = static_cast<double>(now_ns()) * 1e-9 + 0.6 * 300; d < deadline) {
        deadline = d;
        cause = kLauncherEnded;
        budget = {300, false};
      }
    }
    if (!term_seen && g_term != 0) {
      term_seen = true;
      const Budget b = budget_after_term(g_term_ns, g_cont_ns);
      if (const double d = static_cast<double>(g_term_ns) * 1e-9 + 0.6 * b.seconds; d < deadline) {
        deadline = d;
        cause = g_term;
        budget = b;
      }
    }
    if (g_signal != 0) g_budget_ms = std::isinf(deadline) ? 0 : std::max(1, static_cast<int>(budget.seconds * 1000));
    // Ranks signalled together reach the deadline together: sleep to it, not to the next poll.
    const double left = deadline - static_cast<double>(now_ns()) * 1e-9;
    if (left < 0.05) {
      if (left > 0) std::this_thread::sleep_for(std::chrono::duration<double>(left));
      emergency_exit(cause, budget);
    }
  }
}

}  // namespace

void install_stop_handlers() {
  g_launch.orte = std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr;
  g_launch.odls_timeout = env_seconds("OMPI_MCA_odls_base_sigkill_timeout", 1);
  g_launch.kill_wait = std::getenv("SLURM_JOB_ID") ? env_seconds("CROSSMF_KILL_WAIT", 30) : -1;
  g_launch.parent = ::getppid();
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGTERM, SIGINT, SIGUSR1, SIGCONT}) sigaction(sig, &sa, nullptr);
  // SIGHUP stays ignored under nohup.
  struct sigaction old {};
  if (sigaction(SIGHUP, nullptr, &old) == 0 && old.sa_handler != SIG_IGN) sigaction(SIGHUP, &sa, nullptr);
  // A closed stderr (crossmf ... | head) must not kill the job mid-write.
  signal(SIGPIPE, SIG_IGN);
  std::thread(watch).detach();
}

void set_stop_reporter(bool reporter) { g_reporter = reporter; }

void stop_honoured() { g_honoured = true; }

bool stop_has_deadline() {
  // The watchdog sets the estimate within 50 ms of the request.
  for (int i = 0; i < 20 && g_signal != 0 && g_budget_ms < 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return g_budget_ms > 0;
}

bool stop_requested() { return g_signal != 0; }
int stop_signal() { return g_signal; }

std::string stop_name(int sig) {
  switch (sig) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    case SIGUSR1: return "SIGUSR1";
    case kLauncherEnded: return "the end of its launcher";
    default: return fmt::format("signal {}", sig);
  }
}

std::string stop_message(int sig, const std::string& doing, const std::string& outcome) {
  return fmt::format("stopped by {} while {}; {}", stop_name(sig), doing, outcome);
}

void throw_if_stopped(const std::string& doing, const std::string& outcome) {
  if (const int sig = g_signal; sig != 0) throw Error(Exit::terminated, stop_message(sig, doing, outcome));
}

TemporaryFile::TemporaryFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_temp_mutex);
  for (slot_ = 0; slot_ < static_cast<int>(g_temp.size()) && !g_temp[slot_].empty(); ++slot_) {
  }
  if (slot_ == static_cast<int>(g_temp.size())) g_temp.emplace_back();
  g_temp[slot_] = path;
}

TemporaryFile::~TemporaryFile() {
  std::lock_guard<std::mutex> lock(g_temp_mutex);
  g_temp[slot_].clear();
}

}  // namespace crossmf
