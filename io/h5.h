// Parallel HDF5 with RAII handles. Every read and write is collective: each rank passes its own
// rows (possibly none) and every rank takes part, so a rank with no data never hangs the others.
// Errors name the file and dataset.
#pragma once
#include <hdf5.h>
#include <mpi.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "src/base/error.h"
#include "src/base/types.h"

namespace crossmf::h5 {

// An hid_t closed with the matching H5*close when it goes out of scope.
class Handle {
 public:
  Handle() = default;
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  void reset();
  hid_t get() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }

 private:
  hid_t id_ = -1;
  herr_t (*close_)(hid_t) = nullptr;
};

template <class T> hid_t native_type();

enum class Kind { integer, floating, string, other };

struct Options {
  std::vector<hsize_t> chunk;  // empty: contiguous
  int deflate = 0;             // gzip level, 0 = none
};

class Dataset {
 public:
  Dataset(Handle h, std::string file, std::string name, MPI_Comm comm)
      : h_(std::move(h)), file_(std::move(file)), name_(std::move(name)), comm_(comm) {}
  const std::string& name() const { return name_; }
  hid_t id() const { return h_.get(); }
  std::vector<hsize_t> dims() const;
  hsize_t rows() const { auto d = dims(); return d.empty() ? 1 : d[0]; }
  Kind kind() const;

  // Collective: this rank reads (or writes) rows [row, row + n) of a 1-D or 2-D dataset, all
  // columns. n may be 0. Split into bounded pieces; every rank takes the same number of steps.
  template <class T> void read(std::span<T> out, hsize_t row, hsize_t n) const {
    transfer(out.data(), native_type<T>(), sizeof(T), row, n, false);
  }
  template <class T> void write(std::span<const T> in, hsize_t row, hsize_t n) const {
    transfer(const_cast<T*>(in.data()), native_type<T>(), sizeof(T), row, n, true);
  }
  // Collective read of the whole dataset onto every rank (for small ones: names, domains).
  template <class T> std::vector<T> read_all() const {
    auto d = dims();
    hsize_t n = 1;
    for (auto x : d) n *= x;
    std::vector<T> v(n);
    transfer(v.data(), native_type<T>(), sizeof(T), 0, d.empty() ? 1 : d[0], false);
    return v;
  }
  // Collective: rows [row, row + n) as raw bytes in the file's own type, for copying datasets of
  // any fixed-size type (numbers, fixed-length strings) between files without knowing it.
  bool fixed_size() const;
  // Bytes per element in the file (e.g. 4 for a 32-bit integer).
  std::size_t element_bytes() const;
  // Rows per chunk of a chunked dataset (which HDF5 reads, and inflates, whole); 1 when
  // contiguous.
  hsize_t chunk_rows() const;
  std::vector<char> read_raw(hsize_t row, hsize_t n) const;
  void write_raw(const std::vector<char>& bytes, hsize_t row, hsize_t n) const;
  std::vector<std::string> read_strings() const;  // every rank reads all (ids are small per row)
  // Collective: rows [row, row + n) of a 1-D dataset of strings (fixed or variable length).
  std::vector<std::string> read_strings(hsize_t row, hsize_t n) const;
  bool is_unsigned() const;  // an unsigned integer type
  // Collective: this rank's `values` at rows [row, row + values.size()) of a fixed-length string
  // dataset (longer values are cut to its width).
  void write_strings(const std::vector<std::string>& values, hsize_t row) const;
  [[noreturn]] void fail_here(Exit code, const std::string& what) const;
  // Where row `row` lies in the file when the dataset is contiguous and stored exactly as T, so
  // its bytes can be written past HDF5 (io/direct_io.h); nullopt otherwise.
  template <class T> std::optional<std::uint64_t> plain_row_offset(hsize_t row) const {
    const std::optional<std::uint64_t> at = plain_offset(native_type<T>());
    if (!at) return at;
    const std::vector<hsize_t> d = dims();
    return *at + static_cast<std::uint64_t>(row * (d.size() == 2 ? d[1] : 1) * sizeof(T));
  }
  const std::string& file_path() const { return file_; }

 private:
  void transfer(void* buf, hid_t mem_type, std::size_t elem, hsize_t row, hsize_t n, bool write) const;
  // The file offset of a contiguous, allocated dataset stored in `mem_type`, else nullopt.
  std::optional<std::uint64_t> plain_offset(hid_t mem_type) const;
  bool read_only() const;
  Handle h_;
  std::string file_, name_;
  MPI_Comm comm_;
};

class File {
 public:
  // Collective. Open an existing file (read-only unless `write`) or create (truncate) one.
  // `expected` says what the file should be, for messages ("a crossmf input file").
  static File open(const std::string& path, MPI_Comm comm, bool write = false,
                   const std::string& expected = "an HDF5 file");
  static File create(const std::string& path, MPI_Comm comm);
  // True if the object exists (every intermediate group checked).
  bool exists(const std::string& path) const;
  Dataset dataset(const std::string& path) const;
  // Collective. Creates parent groups as needed.
  template <class T>
  Dataset create(const std::string& path, const std::vector<hsize_t>& dims, const Options& opt = {}) {
    return create_dataset(path, native_type<T>(), dims, opt);
  }
  // Collective: a new dataset with the type and shape of `like` (a dataset of another file).
  Dataset create_like(const std::string& path, const Dataset& like);
  Dataset create_strings(const std::string& path, const std::vector<std::string>& values);  // written by rank 0
  // Collective: [rows] fixed-length UTF-8 strings of `width` bytes (null-padded), for rows every
  // rank writes its share of with Dataset::write_strings.
  Dataset create_fixed_strings(const std::string& path, hsize_t rows, std::size_t width);
  void create_group(const std::string& path);
  const std::string& path() const { return path_; }
  hid_t id() const { return h_.get(); }
  MPI_Comm comm() const { return comm_; }
  void close() { h_.reset(); }

  // Attributes on an object ("/" for the root). Writes are collective, values identical on all ranks.
  void set_attr(const std::string& obj, const std::string& name, const std::string& value);
  void set_attr(const std::string& obj, const std::string& name, std::int64_t value);
  void set_attr(const std::string& obj, const std::string& name, double value);
  void set_attr(const std::string& obj, const std::string& name, const std::vector<std::string>& value);
  bool has_attr(const std::string& obj, const std::string& name) const;
  // Whether set_attr(obj, name, values) can succeed: an attribute message holds at most 64 KiB
  // (about 4000 strings). Tried on a file in memory, so that it is known before any long work.
  static bool strings_attribute_fits(const std::vector<std::string>& values);
  std::string attr_string(const std::string& obj, const std::string& name) const;
  std::int64_t attr_int(const std::string& obj, const std::string& name) const;
  double attr_double(const std::string& obj, const std::string& name) const;
  std::vector<std::string> attr_strings(const std::string& obj, const std::string& name) const;

 private:
  File(Handle h, std::string path, MPI_Comm comm) : h_(std::move(h)), path_(std::move(path)), comm_(comm) {}
  Dataset create_dataset(const std::string& path, hid_t type, const std::vector<hsize_t>& dims, const Options& opt);
  void make_parents(const std::string& path);
  Handle open_attr(const std::string& obj, const std::string& name) const;
  Handle h_;
  std::string path_;
  MPI_Comm comm_;
};

// Silences HDF5's own error stack printing; crossmf reports errors itself.
void quiet();

// Is this an HDF5 file at all? (Signature check; false for a missing or unreadable path.)
bool is_hdf5(const std::string& path);

}  // namespace crossmf::h5
