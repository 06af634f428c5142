#include "io/root_stamp.h"

#include <ctime>

#include "io/schema.h"

namespace crossmf {

namespace {
std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}
}  // namespace

void stamp_root(h5::File& file, const Comm& comm, const char* format, int version, bool dated) {
  file.set_attr(schema::kRoot, schema::attr::kFormat, std::string(format));
  file.set_attr(schema::kRoot, schema::attr::kFormatVersion, std::int64_t{version});
  if (!dated) return;
  std::string now = utc_now();
  comm.bcast(now);
  file.set_attr(schema::kRoot, schema::attr::kCrossmfVersion, std::string(CROSSMF_VERSION));
  file.set_attr(schema::kRoot, schema::attr::kCreatedUtc, now);
}

}  // namespace crossmf
