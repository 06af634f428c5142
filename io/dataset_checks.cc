#include "io/dataset_checks.h"

#include <cmath>

#include "io/h5_listing.h"

namespace crossmf {

void require_column(const h5::Dataset& d, Values values, count_t rows, const std::string& rows_meaning) {
  const h5::Kind k = d.kind();
  if (values == Values::integers && k != h5::Kind::integer)
    d.fail_here(Exit::data, fmt::format("has the wrong type ({}): expected integers; store it as int32 or int64",
                                        h5::dtype_text(d)));
  if (values == Values::numbers && k != h5::Kind::integer && k != h5::Kind::floating)
    d.fail_here(Exit::data, fmt::format("has the wrong type ({}): expected numbers; store it as float32 or float64",
                                        h5::dtype_text(d)));
  const auto dims = d.dims();
  if (dims.size() != 1)
    d.fail_here(Exit::data, fmt::format("must be 1-D, it has shape {}; store one value per row", h5::shape_text(dims)));
  if (rows >= 0 && dims[0] != static_cast<hsize_t>(rows))
    d.fail_here(Exit::data, fmt::format("has {} rows but {} is {}; give one row each", dims[0], rows_meaning, rows));
}

int require_matrix(const h5::Dataset& d, count_t rows, const std::string& rows_meaning) {
  const h5::Kind k = d.kind();
  if (k != h5::Kind::integer && k != h5::Kind::floating)
    d.fail_here(Exit::data, fmt::format("has the wrong type ({}): expected numbers; store it as float32 or float64",
                                        h5::dtype_text(d)));
  const auto dims = d.dims();
  if (dims.size() != 2 || dims[0] != static_cast<hsize_t>(rows))
    d.fail_here(Exit::data, fmt::format("has shape {} but must be [{}={}, columns]; give one row each", h5::shape_text(dims),
                                        rows_meaning, rows));
  if (dims[1] == 0) d.fail_here(Exit::data, "has no columns; give at least one, or leave the dataset out");
  if (dims[1] > 1000000) d.fail_here(Exit::data, fmt::format("has {} columns; drop all but 1000000 at most", dims[1]));
  return static_cast<int>(dims[1]);
}

std::optional<std::vector<std::string>> names_attribute(const h5::File& f, const std::string& obj, count_t count,
                                                        const std::string& count_meaning) {
  if (!f.has_attr(obj, "names")) return std::nullopt;
  std::vector<std::string> names = f.attr_strings(obj, "names");
  if (static_cast<count_t>(names.size()) != count)
    fail(Exit::data, "{}: attribute names of {} has {} entries but must have {} ({}); fix the attribute or remove it",
         f.path(), obj, names.size(), count, count_meaning);
  return names;
}

std::string first_non_finite(std::span<const real> v, int width, count_t first_row) {
  std::size_t first = v.size();
#pragma omp parallel for reduction(min : first)
  for (std::size_t j = 0; j < v.size(); ++j)
    if (!std::isfinite(v[j])) first = std::min(first, j);
  if (first == v.size()) return "";
  const std::size_t w = static_cast<std::size_t>(std::max(width, 1));
  return fmt::format("row {} column {}: {}", first_row + static_cast<count_t>(first / w), first % w, v[first]);
}

}  // namespace crossmf
