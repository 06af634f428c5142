// Stop requests: SIGTERM (Slurm's time limit, scancel, preemption; mpirun passes it on when it
// is itself terminated), SIGINT, SIGHUP, SIGUSR1 (a batch script's --signal=B:USR1@N), or the
// launcher ending under the ranks (mpirun killed, or terminated twice). The job notices the
// request at its next stop point (stop_point in src/comm), where every rank agrees; training
// first writes its checkpoint; every rank then exits with 143.
//
// A stop may come with a deadline. Open MPI's mpirun, when terminated, sends the ranks SIGCONT,
// then SIGTERM odls_base_sigkill_timeout seconds later (default 1), then SIGKILL as long again
// after that; Slurm sends SIGTERM and SIGKILL KillWait seconds later (default 30). A rank that
// has not finished by 60% of that time removes its temporary files, says so (rank 0) and exits
// with 143 itself (the emergency exit), so that no temporary file outlives the job and the exit
// code is 143 rather than a kill. SIGUSR1 has no deadline: mpirun passes it on and waits.
#pragma once
#include <string>

namespace crossmf {

// Installs the handlers and starts the watchdog thread (deadlines, the launcher's end). Called
// first in main, before MPI_Init, so no window is left where the default action kills the job.
void install_stop_handlers();
// Whether this process prints the emergency exit's message (rank 0 does).
void set_stop_reporter(bool reporter);

// The job has stopped cleanly (every rank agreed, the message is out): the emergency exit, if it
// comes (a launcher that is tearing down can hang MPI_Finalize), then says nothing more.
void stop_honoured();
// True when the stop came with a deadline (a kill follows): then the launcher is going down and
// main leaves without MPI_Finalize, which would wait for it.
bool stop_has_deadline();

// True once a stop was requested in this process.
bool stop_requested();
// The signal that asked first (0 if none); kLauncherEnded when the parent process went away.
int stop_signal();
inline constexpr int kLauncherEnded = 1000;
// "SIGTERM", "SIGUSR1", ..., or "the end of its launcher" for kLauncherEnded.
std::string stop_name(int signal);
// The one wording of a stop, for every rank alike: "stopped by SIGTERM while <doing>; <outcome>".
std::string stop_message(int signal, const std::string& doing, const std::string& outcome);
// Throws Error(Exit::terminated) with stop_message if a stop was requested in this process: for
// work one rank does alone (import), whose outcome is then agreed.
void throw_if_stopped(const std::string& doing, const std::string& outcome);

// A temporary file that the emergency exit removes, registered while it exists (on the rank
// that created it).
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::string& path);
  ~TemporaryFile();
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

 private:
  int slot_;
};

}  // namespace crossmf
