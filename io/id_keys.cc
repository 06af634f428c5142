#include "io/id_keys.h"

#include <charconv>
#include <filesystem>
#include <fstream>

#include "src/base/names.h"

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

std::vector<Key128> read_id_list(const std::string& path, h5::Kind kind, const std::string& option) {
  std::error_code ec;
  const auto type = std::filesystem::status(path, ec).type();
  if (!ec && type != std::filesystem::file_type::regular)  // a pipe without a writer would block the open
    fail(Exit::usage, "{} {} is a folder, pipe or device; give a text file of ids, one a line", option, path);
  std::ifstream in(path);
  if (!in) fail(Exit::usage, "{} {}: cannot open the file; give a text file of ids, one a line", option, path);
  std::vector<Key128> keys;
  std::string line;
  for (count_t number = 1; std::getline(in, line); ++number) {
    const auto b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
    if (b == std::string::npos || line[b] == '#') continue;
    const std::string id = line.substr(b, e - b + 1);
    if (kind == h5::Kind::string) {
      keys.push_back(string_key(id));
      continue;
    }
    std::int64_t v = 0;
    const auto [at, ec] = std::from_chars(id.data(), id.data() + id.size(), v);
    if (ec != std::errc() || at != id.data() + id.size())
      fail(Exit::data, "{} {}:{}: '{}' is not an integer, and the input's /users/id are integers; give one id a line",
           option, path, number, printable(id));
    keys.push_back({0, static_cast<std::uint64_t>(v)});
  }
  if (in.bad()) fail(Exit::usage, "{} {}: cannot read the file; check the path", option, path);
  return keys;
}

}  // namespace crossmf
