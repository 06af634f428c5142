#include "src/base/names.h"

#include <fmt/format.h>

namespace crossmf {

std::string unusable_domain_name(std::string_view name) {
  if (name.empty()) return "it is empty";
  if (name == "." || name == "..") return fmt::format("'{}' is not a usable HDF5 name", name);
  for (const char c : name) {
    if (c == '/') return fmt::format("'{}' holds a '/', which would nest HDF5 groups", name);
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return fmt::format("'{}' holds a control character", name);
  }
  for (const char* taken : {"all", "fallback", "gated"})
    if (name == taken) return fmt::format("'{}' is taken by /recommendations/{} of the output", name, taken);
  return "";
}

}  // namespace crossmf
