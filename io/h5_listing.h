// A generic listing of an HDF5 file: every group and dataset with its shape, type and
// attributes, for `inspect` on files it has no special summary for. Collective: every rank
// walks the same metadata (the file uses collective metadata reads).
#pragma once
#include <string>
#include <vector>

#include "io/h5.h"

namespace crossmf::h5 {

struct AttributeText {
  std::string name, value;  // value rendered as short text
};

struct ObjectInfo {
  std::string path;        // "/" for the root
  bool group = false;
  std::vector<hsize_t> dims;
  std::string dtype;       // "int32", "float64", "string", ...
  std::vector<AttributeText> attributes;
};

// The root first, then every object in name order.
std::vector<ObjectInfo> list_objects(const File& file);

std::string shape_text(const std::vector<hsize_t>& dims);
// "int32", "float64", "string", ...
std::string dtype_text(const Dataset& dataset);

}  // namespace crossmf::h5
