#include "src/base/log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <cmath>

namespace crossmf {

void init_logging(int rank, const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("crossmf");
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  logger->set_level(rank == 0 ? spdlog::level::from_str(level) : spdlog::level::off);
  spdlog::set_default_logger(logger);
}

std::string human_seconds(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  if (s < 60) return fmt::format("{:.1f}s", s);
  long t = std::lround(s);
  if (t < 3600) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}h{:02}m", t / 3600, (t % 3600) / 60);
}

}  // namespace crossmf
