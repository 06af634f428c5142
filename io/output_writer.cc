#include "io/output_writer.h"

#include <chrono>
#include <ctime>

#include "io/schema.h"
#include "src/base/error.h"

namespace crossmf {

namespace {
std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}
}  // namespace

OutputWriter::OutputWriter(const std::string& path, const Comm& comm, const OutputStamp& stamp)
    : comm_(comm), file_(h5::File::create(path, comm.raw())), file_comm_root_(comm.root()) {
  // created_utc must be the same string on every rank: rank 0's clock.
  std::string now = utc_now();
  comm.bcast(now);
  file_.set_attr("/", "format", std::string(schema::kOutputFormat));
  file_.set_attr("/", "format_version", std::int64_t{schema::kOutputVersion});
  file_.set_attr("/", "crossmf_version", std::string(CROSSMF_VERSION));
  file_.set_attr("/", "created_utc", now);
  file_.set_attr("/", "n_ranks", std::int64_t{comm.size()});
  file_.set_attr("/", "config", stamp.config);
  file_.set_attr("/", "input", stamp.input_path);
  file_.set_attr("/", "input_fingerprint", stamp.fingerprint);
  file_.set_attr("/", "kernels", stamp.kernels);
}

void OutputWriter::close() {
  settle();
  if (comm_.min<int>(failed_.empty() ? 1 : 0) == 0)
    fail(Exit::io, "{}: dataset {}: write failed (disk full or file not writable?)", file_.path(),
         failed_.empty() ? std::string("(on another rank)") : failed_);
  file_.close();
}

}  // namespace crossmf
