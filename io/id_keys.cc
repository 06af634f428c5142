#include "io/id_keys.h"

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

}  // namespace crossmf
