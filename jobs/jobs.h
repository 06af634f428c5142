// The subcommands. Each runs on every rank and throws AgreedError (the same on every rank) on
// failure; main turns that into the exit code.
#pragma once
#include "src/base/config.h"
#include "src/comm/comm.h"

namespace crossmf {

void run_generate(const Config& config, const Comm& comm);
void run_import(const Config& config, const Comm& comm);
void run_train(const Config& config, const Comm& comm);
void run_inspect(const Config& config, const Comm& comm);
void run_score(const Config& config, const Comm& comm);
void run_lift(const Config& config, const Comm& comm);

}  // namespace crossmf
