#include "src/base/names.h"

#include <fmt/format.h>

namespace crossmf {

std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 80)) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    else out += c;
  }
  return text.size() > 80 ? out + "..." : out;
}

std::string unusable_domain_name(std::string_view name) {
  if (name.empty()) return "it is empty";
  if (name == "." || name == "..") return fmt::format("'{}' is not a usable HDF5 name", name);
  for (const char c : name) {
    if (c == '/') return fmt::format("'{}' holds a '/', which would nest HDF5 groups", printable(name));
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return fmt::format("'{}' holds a control character", printable(name));
  }
  for (const char* taken : {"all", "fallback", "gated"})
    if (name == taken) return fmt::format("'{}' is taken by /recommendations/{} of the output", name, taken);
  return "";
}

}  // namespace crossmf
