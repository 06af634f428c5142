#include "io/id_keys.h"

#include <charconv>
#include <filesystem>
#include <fstream>

#include "src/base/names.h"
#include "src/numerics/slices.h"

namespace crossmf {

std::string IdSlice::text(count_t k) const {
  if (!strings.empty()) return fmt::format("'{}'", printable(strings[k]));  // fmt: GCC 12 warns wrongly on +
  return is_unsigned ? std::to_string(static_cast<std::uint64_t>(integers[k])) : std::to_string(integers[k]);
}

IdSlice read_id_slice(const h5::Dataset& d, count_t begin, count_t m, const char* what) {
  IdSlice ids;
  if (d.kind() == h5::Kind::string) {
    ids.strings = d.read_strings(begin, m);
    for (count_t k = 0; k < m; ++k) {
      if (ids.strings[k].empty())
        d.fail_here(Exit::data, fmt::format("row {} is an empty string; give every {} an id", begin + k, what));
      ids.keys.push_back(string_key(ids.strings[k]));
    }
    return ids;
  }
  ids.is_unsigned = d.is_unsigned();
  ids.integers.resize(m);
  // Unsigned ids are read as their bits, so that none past 2^63 is clipped into another.
  if (ids.is_unsigned) d.read<std::uint64_t>(std::span(reinterpret_cast<std::uint64_t*>(ids.integers.data()), m), begin, m);
  else d.read<std::int64_t>(ids.integers, begin, m);
  for (std::int64_t v : ids.integers) ids.keys.push_back({0, static_cast<std::uint64_t>(v)});
  return ids;
}

namespace {

// The lines that start in this rank's even slice of the file's bytes (a line that starts there
// is read to its end), with the count of lines before the slice left to the caller's exscan.
std::vector<std::string> lines_of_share(const std::string& path, const Comm& comm, const std::string& option) {
  std::error_code ec;
  const auto type = std::filesystem::status(path, ec).type();
  if (!ec && type != std::filesystem::file_type::regular)  // a pipe without a writer would block the open
    fail(Exit::usage, "{} {} is a folder, pipe or device; give a text file of ids, one a line", option, path);
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(Exit::usage, "{} {}: cannot open the file; give a text file of ids, one a line", option, path);
  const auto size = static_cast<count_t>(std::filesystem::file_size(path, ec));
  if (ec) fail(Exit::usage, "{} {}: cannot read the file ({}); check the path", option, path, ec.message());
  const Slice mine = even_slice(size, comm.rank(), comm.size());
  std::vector<std::string> lines;
  count_t at = mine.begin;  // where the next line starts
  std::string line;
  if (at > 0) {  // the line that runs into the slice belongs to the rank before
    in.seekg(static_cast<std::streamoff>(at - 1));
    if (in.get() != '\n' && std::getline(in, line)) at += static_cast<count_t>(line.size()) + 1;
  }
  while (at < mine.end && std::getline(in, line)) {
    at += static_cast<count_t>(line.size()) + 1;
    lines.push_back(std::move(line));
  }
  if (in.bad()) fail(Exit::usage, "{} {}: cannot read the file; check the path", option, path);
  return lines;
}

Key128 id_key(const std::string& id, h5::Kind kind, const std::string& option, const std::string& path, count_t number) {
  if (kind == h5::Kind::string) return string_key(id);
  std::int64_t v = 0;
  const auto [at, ec] = std::from_chars(id.data(), id.data() + id.size(), v);
  if (ec != std::errc() || at != id.data() + id.size())
    fail(Exit::data, "{} {}:{}: '{}' is not an integer, and the input's /users/id are integers; give one id a line",
         option, path, number, printable(id));
  return {0, static_cast<std::uint64_t>(v)};
}

}  // namespace

std::vector<Key128> read_id_list(const std::string& path, h5::Kind kind, const std::string& option, const Comm& comm) {
  std::vector<std::string> lines;
  agreed(comm, [&] { lines = lines_of_share(path, comm, option); });
  const count_t before = comm.exscan(static_cast<count_t>(lines.size()));
  std::vector<Key128> keys;
  agreed(comm, [&] {
    for (std::size_t k = 0; k < lines.size(); ++k) {
      const std::string& line = lines[k];
      const auto b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
      if (b == std::string::npos || line[b] == '#') continue;
      keys.push_back(id_key(line.substr(b, e - b + 1), kind, option, path, before + static_cast<count_t>(k) + 1));
    }
  });
  return keys;
}

}  // namespace crossmf
