// Logging through spdlog: rank 0 prints, other ranks stay silent.
#pragma once
#include <spdlog/spdlog.h>

#include <string>

namespace crossmf {

void init_logging(int rank, const std::string& level);

// "1m05s" style, for ETAs.
std::string human_seconds(double seconds);

}  // namespace crossmf
