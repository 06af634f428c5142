// What a dataset or attribute of a crossmf file must be (rank, type, shape, names), checked before
// it is read, with messages that name the file, the dataset and the fix. Metadata is the same on
// every rank, so every rank throws alike; value checks (first_non_finite) report per rank.
#pragma once
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/h5.h"
#include "src/base/types.h"

namespace crossmf {

enum class Values { integers, numbers };

// Throws Error(Exit::data) unless `d` is 1-D, of `values`, with `rows` rows (any when rows < 0;
// `rows_meaning` says what they count, e.g. "n_users").
void require_column(const h5::Dataset& d, Values values, count_t rows = -1, const std::string& rows_meaning = "");
// Unless `d` is 2-D, [rows, columns >= 1] of numbers; returns the columns.
int require_matrix(const h5::Dataset& d, count_t rows, const std::string& rows_meaning);
// The `names` attribute of `obj` when it has one: 1-D strings, `count` of them (`count_meaning`
// says why, e.g. "one per column"). Throws Error(Exit::data) otherwise.
std::optional<std::vector<std::string>> names_attribute(const h5::File& f, const std::string& obj, count_t count,
                                                        const std::string& count_meaning);
// "row r column c: v" of the first value of `v` (`width` per row, rows from `first_row`) that is
// NaN or infinite, or "" when all are finite.
std::string first_non_finite(std::span<const real> v, int width, count_t first_row);

}  // namespace crossmf
