#include "io/output_writer.h"

#include "io/root_stamp.h"
#include "io/schema.h"
#include "src/base/error.h"

namespace crossmf {

OutputWriter::OutputWriter(const std::string& path, const Comm& comm, const OutputStamp& stamp)
    : comm_(comm), file_(h5::File::create(path, comm.raw())), file_comm_root_(comm.root()) {
  stamp_root(file_, comm, schema::kOutputFormat, schema::kOutputVersion, /*dated=*/true);
  using namespace schema::attr;
  file_.set_attr(schema::kRoot, kNRanks, std::int64_t{comm.size()});
  file_.set_attr(schema::kRoot, kConfig, stamp.config);
  file_.set_attr(schema::kRoot, kInput, stamp.input_path);
  file_.set_attr(schema::kRoot, kInputFingerprint, stamp.fingerprint);
  file_.set_attr(schema::kRoot, kKernels, stamp.kernels);
}

void OutputWriter::close() {
  settle();
  if (comm_.min<int>(failed_.empty() ? 1 : 0) == 0)
    fail(Exit::io, "{}: dataset {}: write failed (disk full or file not writable?)", file_.path(),
         failed_.empty() ? std::string("(on another rank)") : failed_);
  file_.close();
}

}  // namespace crossmf
