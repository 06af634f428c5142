// SIGTERM (Slurm's time limit, scancel, preemption) and SIGUSR1 (a batch script's
// --signal=B:USR1@N forwarded to the job) ask the job to stop: training finishes its current
// iteration, every rank agrees, a checkpoint is written and the job exits with code 143.
#pragma once

namespace crossmf {

void install_stop_handlers();
// True once this process received SIGTERM or SIGUSR1. Ranks agree on it with one allreduce.
bool stop_requested();
// The signal that asked for the stop (0 if none).
int stop_signal();

}  // namespace crossmf
