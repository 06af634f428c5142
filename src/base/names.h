// Names that become HDF5 path components of the output: a domain name is a list under
// /recommendations/<domain> and a group /audiences/<domain>.
#pragma once
#include <string>
#include <string_view>

namespace crossmf {

// Why `name` cannot be a domain name ("" when it can): empty, "." or "..", a '/', a control
// character, or a name the output already uses beside the domain lists (all, fallback, gated).
std::string unusable_domain_name(std::string_view name);

// `text` as it can stand in a one-line message: control characters escaped, beyond 80 bytes cut.
std::string printable(std::string_view text);

}  // namespace crossmf
