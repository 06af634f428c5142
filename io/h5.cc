#include "io/h5.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "io/direct_io.h"

namespace crossmf::h5 {

namespace {
// Bytes one rank moves in one collective call; HDF5 1.10 and ROMIO misbehave past 2 GiB.
constexpr hsize_t kPieceBytes = hsize_t{256} << 20;

hsize_t max_over_ranks(hsize_t v, MPI_Comm comm) {
  unsigned long long x = v, out = v;
  MPI_Allreduce(&x, &out, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, comm);
  return out;
}
Handle fapl(MPI_Comm comm) {
  Handle p(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_mpio(p.get(), comm, MPI_INFO_NULL);
  H5Pset_all_coll_metadata_ops(p.get(), true);
  H5Pset_coll_metadata_write(p.get(), true);
  return p;
}
}  // namespace

namespace {
// HDF5 does not convert between ASCII and UTF-8: read with the file's own character set.
Handle variable_string_like(hid_t file_type) {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5Tget_cset(file_type));
  return t;
}
}  // namespace

template <> hid_t native_type<float>() { return H5T_NATIVE_FLOAT; }
template <> hid_t native_type<double>() { return H5T_NATIVE_DOUBLE; }
template <> hid_t native_type<std::int8_t>() { return H5T_NATIVE_INT8; }
template <> hid_t native_type<std::uint8_t>() { return H5T_NATIVE_UINT8; }
template <> hid_t native_type<std::int32_t>() { return H5T_NATIVE_INT32; }
template <> hid_t native_type<std::int64_t>() { return H5T_NATIVE_INT64; }
template <> hid_t native_type<std::uint64_t>() { return H5T_NATIVE_UINT64; }

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) { reset(); id_ = o.id_; close_ = o.close_; o.id_ = -1; }
  return *this;
}
void Handle::reset() {
  if (id_ >= 0 && close_) close_(id_);
  id_ = -1;
}

void quiet() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

bool is_hdf5(const std::string& path) { return H5Fis_hdf5(path.c_str()) > 0; }

std::vector<hsize_t> Dataset::dims() const {
  Handle space(H5Dget_space(h_.get()), H5Sclose);
  int nd = H5Sget_simple_extent_ndims(space.get());
  if (nd < 0) fail_here(Exit::data, "cannot read its shape");
  std::vector<hsize_t> d(nd);
  H5Sget_simple_extent_dims(space.get(), d.data(), nullptr);
  return d;
}

Kind Dataset::kind() const {
  Handle t(H5Dget_type(h_.get()), H5Tclose);
  switch (H5Tget_class(t.get())) {
    case H5T_INTEGER: return Kind::integer;
    case H5T_FLOAT: return Kind::floating;
    case H5T_STRING: return Kind::string;
    default: return Kind::other;
  }
}

void Dataset::fail_here(Exit code, const std::string& what) const {
  throw Error(code, fmt::format("{}: dataset {}: {}", file_, name_, what));
}

// Where rows [row, row + n) of a contiguous dataset stored in exactly `mem_type` lie in a file
// opened read-only; nullopt when they cannot be read as plain bytes.
std::optional<std::uint64_t> Dataset::plain_offset(hid_t mem_type) const {
  Handle dcpl(H5Dget_create_plist(h_.get()), H5Pclose);
  Handle type(H5Dget_type(h_.get()), H5Tclose);
  const haddr_t at = H5Dget_offset(h_.get());
  if (H5Pget_layout(dcpl.get()) != H5D_CONTIGUOUS || H5Tequal(type.get(), mem_type) <= 0 || at == HADDR_UNDEF)
    return std::nullopt;
  return static_cast<std::uint64_t>(at);
}

bool Dataset::read_only() const {
  Handle file(H5Iget_file_id(h_.get()), H5Fclose);
  unsigned intent = 0;
  return H5Fget_intent(file.get(), &intent) >= 0 && intent == H5F_ACC_RDONLY;
}

void Dataset::transfer(void* buf, hid_t mem_type, std::size_t elem, hsize_t row, hsize_t n, bool write) const {
  std::vector<hsize_t> d = dims();
  if (d.size() > 2) fail_here(Exit::data, fmt::format("has {} dimensions; crossmf reads 1-D or 2-D datasets: store it as one", d.size()));
  const hsize_t width = d.size() == 2 ? d[1] : 1;
  const hsize_t total_rows = d.empty() ? 1 : d[0];
  // Check the request before the collective loop; a bad request is a bug on this rank only,
  // so it is reported after every rank has finished the same number of steps.
  bool bad = row + n > total_rows;
  // No elements ([0], [n, 0]): nothing to move, and HDF5 refuses collective I/O on a dataset with
  // no storage. The shape is the same on every rank, so every rank returns here alike.
  if (total_rows == 0 || width == 0) {
    if (bad) fail_here(Exit::data, fmt::format("rows [{}, {}) requested but it has {} rows", row, row + n, total_rows));
    return;
  }
  const hsize_t row_bytes = std::max<hsize_t>(1, width * elem);
  // Plain bytes (contiguous, stored in the caller's type) are moved directly by each rank on
  // its own threads, past MPI-IO; whether a dataset is plain is the same on every rank. A
  // failed direct read makes every rank take the collective path below, which reports the
  // problem; a failed write is reported at once (disk full or not writable).
  const auto plain = plain_offset(mem_type);
  const std::uint64_t at = plain ? *plain + row * width * elem : 0;
  if (plain && write) {
    int ok = !bad && (n == 0 || direct_write(file_, at, n * width * elem, buf));
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_LAND, comm_);
    if (bad) fail_here(Exit::data, fmt::format("rows [{}, {}) requested but it has {} rows", row, row + n, total_rows));
    if (!ok) fail_here(Exit::io, "write failed (disk full or file not writable?)");
    return;
  }
  if (plain && read_only()) {
    int ok = !bad && (n == 0 || direct_read(file_, at, n * width * elem, buf));
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_LAND, comm_);
    if (ok) return;
  }
  const hsize_t piece_rows = std::max<hsize_t>(1, kPieceBytes / row_bytes);
  const hsize_t my_steps = (bad || n == 0) ? 0 : (n + piece_rows - 1) / piece_rows;
  const hsize_t steps = max_over_ranks(my_steps, comm_);
  Handle xfer(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  H5Pset_dxpl_mpio(xfer.get(), H5FD_MPIO_COLLECTIVE);
  herr_t status = 0;
  for (hsize_t s = 0; s < std::max<hsize_t>(steps, 1); ++s) {
    const hsize_t begin = std::min(n, s * piece_rows);
    const hsize_t count = (bad || s >= my_steps) ? 0 : std::min(piece_rows, n - begin);
    Handle fspace(H5Dget_space(h_.get()), H5Sclose);
    hsize_t mdims[2] = {count, width};
    Handle mspace(H5Screate_simple(d.size() == 2 ? 2 : 1, mdims, nullptr), H5Sclose);
    if (count == 0) {
      H5Sselect_none(fspace.get());
      H5Sselect_none(mspace.get());
    } else if (!d.empty()) {
      hsize_t start[2] = {row + begin, 0}, cnt[2] = {count, width};
      H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, start, nullptr, cnt, nullptr);
    }
    char* p = static_cast<char*>(buf) + begin * width * elem;
    herr_t rc = write ? H5Dwrite(h_.get(), mem_type, mspace.get(), fspace.get(), xfer.get(), p)
                      : H5Dread(h_.get(), mem_type, mspace.get(), fspace.get(), xfer.get(), p);
    if (rc < 0) status = rc;
  }
  if (bad) fail_here(Exit::data, fmt::format("rows [{}, {}) requested but it has {} rows", row, row + n, total_rows));
  if (status < 0)
    fail_here(Exit::io, write ? "write failed (disk full or file not writable?)"
                              : "read failed (file truncated or corrupt, or a value does not fit the expected type?)");
}

bool Dataset::fixed_size() const {
  Handle t(H5Dget_type(h_.get()), H5Tclose);
  return H5Tis_variable_str(t.get()) <= 0 && H5Tdetect_class(t.get(), H5T_VLEN) <= 0;
}

std::size_t Dataset::element_bytes() const {
  Handle t(H5Dget_type(h_.get()), H5Tclose);
  return H5Tget_size(t.get());
}

hsize_t Dataset::chunk_rows() const {
  Handle dcpl(H5Dget_create_plist(h_.get()), H5Pclose);
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return 1;
  hsize_t chunk[H5S_MAX_RANK];
  return H5Pget_chunk(dcpl.get(), H5S_MAX_RANK, chunk) > 0 ? std::max<hsize_t>(chunk[0], 1) : 1;
}

std::vector<char> Dataset::read_raw(hsize_t row, hsize_t n) const {
  Handle t(H5Dget_type(h_.get()), H5Tclose);
  const std::size_t elem = H5Tget_size(t.get());
  const auto d = dims();
  const hsize_t width = d.size() == 2 ? d[1] : 1;
  std::vector<char> out(n * width * elem);
  transfer(out.data(), t.get(), elem, row, n, false);
  return out;
}

void Dataset::write_raw(const std::vector<char>& bytes, hsize_t row, hsize_t n) const {
  Handle t(H5Dget_type(h_.get()), H5Tclose);
  transfer(const_cast<char*>(bytes.data()), t.get(), H5Tget_size(t.get()), row, n, true);
}

std::vector<std::string> Dataset::read_strings() const { return read_strings(0, rows()); }

std::vector<std::string> Dataset::read_strings(hsize_t row, hsize_t n) const {
  Handle ftype(H5Dget_type(h_.get()), H5Tclose);
  if (H5Tget_class(ftype.get()) != H5T_STRING) fail_here(Exit::data, "expected strings; store it as strings");
  const std::vector<hsize_t> d = dims();
  if (d.size() != 1) fail_here(Exit::data, fmt::format("must be 1-D, it has {} dimensions; store one value per row", d.size()));
  // The shape is the same on every rank: every rank returns here alike (HDF5 refuses to read no
  // storage collectively).
  if (d[0] == 0) return std::vector<std::string>(n);
  const bool bad = row + n > d[0];
  std::vector<std::string> out(bad ? 0 : n);
  Handle xfer(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
  H5Pset_dxpl_mpio(xfer.get(), H5FD_MPIO_COLLECTIVE);
  Handle fspace(H5Dget_space(h_.get()), H5Sclose);
  const hsize_t count = out.size();
  Handle mspace(H5Screate_simple(1, &count, nullptr), H5Sclose);
  if (count == 0) {
    H5Sselect_none(fspace.get());
    H5Sselect_none(mspace.get());
  } else {
    H5Sselect_hyperslab(fspace.get(), H5S_SELECT_SET, &row, nullptr, &count, nullptr);
  }
  herr_t rc;
  if (H5Tis_variable_str(ftype.get()) > 0) {
    Handle mtype = variable_string_like(ftype.get());
    std::vector<char*> ptrs(std::max<hsize_t>(count, 1), nullptr);
    rc = H5Dread(h_.get(), mtype.get(), mspace.get(), fspace.get(), xfer.get(), ptrs.data());
    for (hsize_t i = 0; rc >= 0 && i < count; ++i) out[i] = ptrs[i] ? ptrs[i] : "";
    if (rc >= 0) H5Dvlen_reclaim(mtype.get(), mspace.get(), H5P_DEFAULT, ptrs.data());
  } else {
    const std::size_t w = H5Tget_size(ftype.get());
    std::vector<char> buf(count * w + 1, 0);
    rc = H5Dread(h_.get(), ftype.get(), mspace.get(), fspace.get(), xfer.get(), buf.data());
    for (hsize_t i = 0; rc >= 0 && i < count; ++i) out[i] = std::string(buf.data() + i * w, strnlen(buf.data() + i * w, w));
  }
  if (bad) fail_here(Exit::data, fmt::format("rows [{}, {}) requested but it has {} rows", row, row + n, d[0]));
  if (rc < 0) fail_here(Exit::io, "read failed (file truncated or corrupt?)");
  return out;
}

void Dataset::write_strings(const std::vector<std::string>& values, hsize_t row) const {
  Handle t(H5Dget_type(h_.get()), H5Tclose);
  const std::size_t w = H5Tget_size(t.get());
  std::vector<char> buf(std::max<std::size_t>(values.size() * w, 1), '\0');
  for (std::size_t k = 0; k < values.size(); ++k) std::memcpy(buf.data() + k * w, values[k].data(), std::min(w, values[k].size()));
  transfer(buf.data(), t.get(), w, row, values.size(), true);
}

bool Dataset::is_unsigned() const {
  Handle t(H5Dget_type(h_.get()), H5Tclose);
  return H5Tget_class(t.get()) == H5T_INTEGER && H5Tget_sign(t.get()) == H5T_SGN_NONE;
}

namespace {
// Why the last HDF5 call failed, from HDF5's own error stack (whose printing quiet() turns off):
// the innermost description, which is the specific one ("truncated file: eof = ...").
struct Failure {
  std::string reason;
  bool truncated = false;
};
Failure last_failure() {
  Failure out;
  hid_t stack = H5Eget_current_stack();
  H5Ewalk2(stack, H5E_WALK_UPWARD, [](unsigned, const H5E_error2_t* e, void* data) -> herr_t {
    auto* f = static_cast<Failure*>(data);
    if (e->min_num == H5E_TRUNCATED) f->truncated = true;
    if (f->reason.empty() && e->desc) f->reason = e->desc;
    return 0;
  }, &out);
  H5Eclose_stack(stack);
  return out;
}
}  // namespace

File File::open(const std::string& path, MPI_Comm comm, bool write, const std::string& expected) {
  quiet();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    fail(Exit::io, "{}: is a folder, not a file; give the path of {}", path, expected);
  // A pipe would block the open below until something writes to it: HDF5 needs a file anyway.
  const auto type = std::filesystem::status(path, ec).type();
  if (!ec && type != std::filesystem::file_type::regular && type != std::filesystem::file_type::not_found)
    fail(Exit::io, "{}: is a pipe, device or other special file; give the path of {}", path, expected);
  if (!write && !is_hdf5(path)) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) fail(Exit::io, "{}: cannot open for reading ({}); check the path and permissions", path, std::strerror(errno));
    std::fclose(f);
    fail(Exit::data, "{}: not an HDF5 file (or truncated); give the path of {}", path, expected);
  }
  Handle p = fapl(comm);
  Handle f(H5Fopen(path.c_str(), write ? H5F_ACC_RDWR : H5F_ACC_RDONLY, p.get()), H5Fclose);
  if (!f) {
    // The OS opened it and the signature is there, so a truncation is the data's fault (a copy
    // cut short), which no retry fixes; anything else (locking, permissions) is I/O.
    const Failure why = last_failure();
    if (why.truncated)
      fail(Exit::data, "{}: the HDF5 file is truncated ({}); copy or write it again in full", path, why.reason);
    fail(Exit::io, "{}: cannot open HDF5 file{} ({}); check the path, permissions and locks", path, write ? " for writing" : "", why.reason);
  }
  return File(std::move(f), path, comm);
}

File File::create(const std::string& path, MPI_Comm comm) {
  quiet();
  Handle p = fapl(comm);
  Handle f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, p.get()), H5Fclose);
  if (!f) fail(Exit::io, "{}: cannot create file; check that the folder exists, is writable and has space", path);
  return File(std::move(f), path, comm);
}

bool File::exists(const std::string& path) const {
  if (path == "/") return true;
  std::size_t pos = 0;
  while (true) {
    pos = path.find('/', pos + 1);
    std::string prefix = path.substr(0, pos);
    if (H5Lexists(h_.get(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (pos == std::string::npos) return true;
  }
}

Dataset File::dataset(const std::string& path) const {
  if (!exists(path)) fail(Exit::data, "{}: dataset {} is missing", path_, path);
  // A group (or a link to nothing) where a dataset belongs.
  H5O_info_t info{};
  if (H5Oget_info_by_name2(h_.get(), path.c_str(), &info, H5O_INFO_BASIC, H5P_DEFAULT) < 0 || info.type != H5O_TYPE_DATASET)
    fail(Exit::data, "{}: {} exists but is not a dataset (a group or a broken link?); replace it with a dataset", path_, path);
  Handle d(H5Dopen2(h_.get(), path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!d) fail(Exit::data, "{}: {} exists but is not a readable dataset; write it again", path_, path);
  return Dataset(std::move(d), path_, path, comm_);
}

void File::make_parents(const std::string& path) {
  std::size_t pos = 0;
  while ((pos = path.find('/', pos + 1)) != std::string::npos) {
    std::string g = path.substr(0, pos);
    if (H5Lexists(h_.get(), g.c_str(), H5P_DEFAULT) <= 0) {
      Handle h(H5Gcreate2(h_.get(), g.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
      if (!h) fail(Exit::io, "{}: cannot create group {}", path_, g);
    }
  }
}

void File::create_group(const std::string& path) {
  make_parents(path + "/");
}

Dataset File::create_dataset(const std::string& path, hid_t type, const std::vector<hsize_t>& dims, const Options& opt) {
  make_parents(path);
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  hsize_t elements = 1;
  for (auto d : dims) elements *= d;
  if (!opt.chunk.empty() && elements > 0) {
    std::vector<hsize_t> c = opt.chunk;
    for (std::size_t i = 0; i < c.size(); ++i) c[i] = std::max<hsize_t>(1, std::min(c[i], dims[i]));
    H5Pset_chunk(dcpl.get(), static_cast<int>(c.size()), c.data());
    if (opt.deflate > 0) { H5Pset_shuffle(dcpl.get()); H5Pset_deflate(dcpl.get(), opt.deflate); }
  } else {
    // Parallel writes need the space allocated up front.
    H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY);
  }
  H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER);
  Handle d(H5Dcreate2(h_.get(), path.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose);
  if (!d) fail(Exit::io, "{}: cannot create dataset {} (disk full?)", path_, path);
  return Dataset(std::move(d), path_, path, comm_);
}

Dataset File::create_like(const std::string& path, const Dataset& like) {
  make_parents(path);
  Handle type(H5Dget_type(like.id()), H5Tclose);
  const auto dims = like.dims();
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY);
  H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER);
  Handle d(H5Dcreate2(h_.get(), path.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose);
  if (!d) fail(Exit::io, "{}: cannot create dataset {}", path_, path);
  return Dataset(std::move(d), path_, path, comm_);
}

Dataset File::create_fixed_strings(const std::string& path, hsize_t rows, std::size_t width) {
  make_parents(path);
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), std::max<std::size_t>(width, 1));
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle space(H5Screate_simple(1, &rows, nullptr), H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY);
  H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER);
  Handle d(H5Dcreate2(h_.get(), path.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose);
  if (!d) fail(Exit::io, "{}: cannot create dataset {} (disk full?)", path_, path);
  return Dataset(std::move(d), path_, path, comm_);
}

Dataset File::create_strings(const std::string& path, const std::vector<std::string>& values) {
  make_parents(path);
  // Fixed-length, null-padded to the longest value: parallel HDF5 1.10 refuses to write
  // variable-length strings at all ("Parallel IO does not support writing VL ... yet").
  std::size_t width = 1;
  for (const std::string& v : values) width = std::max(width, v.size());
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), width);
  H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY);
  Handle d(H5Dcreate2(h_.get(), path.c_str(), type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT), H5Dclose);
  if (!d) fail(Exit::io, "{}: cannot create dataset {}", path_, path);
  // Rank 0 writes every value; the others select none.
  int rank = 0;
  MPI_Comm_rank(comm_, &rank);
  std::vector<char> buf(rank == 0 ? n * width : 0, '\0');
  if (rank == 0)
    for (hsize_t i = 0; i < n; ++i) std::memcpy(buf.data() + i * width, values[i].data(), values[i].size());
  Handle fspace(H5Dget_space(d.get()), H5Sclose);
  Handle mspace(H5Screate_simple(1, &n, nullptr), H5Sclose);
  if (rank != 0) { H5Sselect_none(fspace.get()); H5Sselect_none(mspace.get()); }
  herr_t rc = n == 0 ? 0 : H5Dwrite(d.get(), type.get(), mspace.get(), fspace.get(), H5P_DEFAULT, buf.data());
  if (rc < 0) fail(Exit::io, "{}: cannot write dataset {}", path_, path);
  return Dataset(std::move(d), path_, path, comm_);
}

namespace {
Handle open_object(hid_t file, const std::string& obj) {
  return Handle(H5Oopen(file, obj.c_str(), H5P_DEFAULT), H5Oclose);
}
void write_attr(hid_t file, const std::string& path, const std::string& obj, const std::string& name, hid_t type,
                hid_t space, const void* data) {
  Handle o = open_object(file, obj);
  if (!o) fail(Exit::io, "{}: cannot open {} to set attribute {}", path, obj, name);
  if (H5Aexists(o.get(), name.c_str()) > 0) H5Adelete(o.get(), name.c_str());
  Handle a(H5Acreate2(o.get(), name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!a || H5Awrite(a.get(), type, data) < 0) fail(Exit::io, "{}: cannot write attribute {} on {}", path, name, obj);
}
}  // namespace

void File::set_attr(const std::string& obj, const std::string& name, const std::string& value) {
  // Variable-length UTF-8, so h5py, pandas and R read a str rather than bytes.
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  const char* p = value.c_str();
  write_attr(h_.get(), path_, obj, name, type.get(), space.get(), &p);
}
void File::set_attr(const std::string& obj, const std::string& name, std::int64_t value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  write_attr(h_.get(), path_, obj, name, H5T_NATIVE_INT64, space.get(), &value);
}
void File::set_attr(const std::string& obj, const std::string& name, double value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  write_attr(h_.get(), path_, obj, name, H5T_NATIVE_DOUBLE, space.get(), &value);
}
void File::set_attr(const std::string& obj, const std::string& name, const std::vector<std::string>& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  hsize_t n = value.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose);
  std::vector<const char*> ptrs;
  for (auto& s : value) ptrs.push_back(s.c_str());
  write_attr(h_.get(), path_, obj, name, type.get(), space.get(), ptrs.data());
}

namespace {
// A scalar read into one value: an array attribute would overrun it, so refuse it first.
void require_single(const Handle& a, const std::string& path, const std::string& obj, const std::string& name) {
  Handle space(H5Aget_space(a.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n != 1) fail(Exit::data, "{}: attribute {} on {} should be a single value, it has {}; fix the attribute", path, name, obj, n);
}
}  // namespace

Handle File::open_attr(const std::string& obj, const std::string& name) const {
  if (!exists(obj)) fail(Exit::data, "{}: {} is missing (needed for attribute {}); add it", path_, obj, name);
  Handle o = open_object(h_.get(), obj);
  if (H5Aexists(o.get(), name.c_str()) <= 0) fail(Exit::data, "{}: attribute {} is missing on {}; add it", path_, name, obj);
  return Handle(H5Aopen(o.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
}

bool File::strings_attribute_fits(const std::vector<std::string>& values) {
  quiet();
  Handle p(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_fapl_core(p.get(), 1 << 20, false);  // nothing reaches a disk
  Handle h(H5Fcreate("crossmf-attribute-trial.h5", H5F_ACC_TRUNC, H5P_DEFAULT, p.get()), H5Fclose);
  if (!h) return true;  // cannot tell here; the write would say
  File f(std::move(h), "(trial in memory)", MPI_COMM_SELF);
  try {
    f.set_attr("/", "trial", values);
    return true;
  } catch (const Error&) {
    return false;
  }
}

bool File::has_attr(const std::string& obj, const std::string& name) const {
  if (!exists(obj)) return false;
  Handle o = open_object(h_.get(), obj);
  return H5Aexists(o.get(), name.c_str()) > 0;
}

std::string File::attr_string(const std::string& obj, const std::string& name) const {
  Handle a = open_attr(obj, name);
  require_single(a, path_, obj, name);
  Handle ftype(H5Aget_type(a.get()), H5Tclose);
  if (H5Tget_class(ftype.get()) != H5T_STRING) fail(Exit::data, "{}: attribute {} on {} should be a string; fix the attribute", path_, name, obj);
  if (H5Tis_variable_str(ftype.get()) > 0) {
    char* p = nullptr;
    Handle mtype = variable_string_like(ftype.get());
    H5Aread(a.get(), mtype.get(), &p);
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  std::size_t w = H5Tget_size(ftype.get());
  std::string s(w, '\0');
  H5Aread(a.get(), ftype.get(), s.data());
  s.resize(strnlen(s.data(), w));
  return s;
}

std::int64_t File::attr_int(const std::string& obj, const std::string& name) const {
  Handle a = open_attr(obj, name);
  require_single(a, path_, obj, name);
  Handle ftype(H5Aget_type(a.get()), H5Tclose);
  if (H5Tget_class(ftype.get()) != H5T_INTEGER) fail(Exit::data, "{}: attribute {} on {} should be an integer; fix the attribute", path_, name, obj);
  std::int64_t v = 0;
  if (H5Aread(a.get(), H5T_NATIVE_INT64, &v) < 0) fail(Exit::data, "{}: cannot read attribute {} on {}; fix the attribute", path_, name, obj);
  return v;
}

double File::attr_double(const std::string& obj, const std::string& name) const {
  Handle a = open_attr(obj, name);
  require_single(a, path_, obj, name);
  double v = 0;
  if (H5Aread(a.get(), H5T_NATIVE_DOUBLE, &v) < 0) fail(Exit::data, "{}: cannot read attribute {} on {}; store it as a number", path_, name, obj);
  return v;
}

std::vector<std::string> File::attr_strings(const std::string& obj, const std::string& name) const {
  Handle a = open_attr(obj, name);
  Handle ftype(H5Aget_type(a.get()), H5Tclose);
  Handle space(H5Aget_space(a.get()), H5Sclose);
  hssize_t n = H5Sget_simple_extent_npoints(space.get());
  std::vector<std::string> out(n);
  if (H5Tget_class(ftype.get()) != H5T_STRING) fail(Exit::data, "{}: attribute {} on {} should be strings; fix the attribute", path_, name, obj);
  if (H5Tis_variable_str(ftype.get()) > 0) {
    Handle mtype = variable_string_like(ftype.get());
    std::vector<char*> p(n, nullptr);
    H5Aread(a.get(), mtype.get(), p.data());
    for (hssize_t i = 0; i < n; ++i) out[i] = p[i] ? p[i] : "";
    H5Dvlen_reclaim(mtype.get(), space.get(), H5P_DEFAULT, p.data());
  } else {
    std::size_t w = H5Tget_size(ftype.get());
    std::vector<char> buf(n * w);
    H5Aread(a.get(), ftype.get(), buf.data());
    for (hssize_t i = 0; i < n; ++i) out[i] = std::string(buf.data() + i * w, strnlen(buf.data() + i * w, w));
  }
  return out;
}

}  // namespace crossmf::h5
