#include "io/h5_listing.h"

#include <algorithm>

namespace crossmf::h5 {

namespace {

constexpr std::size_t kShownValues = 8;
constexpr std::size_t kShownChars = 200;

std::string type_text(hid_t type) {
  const std::size_t size = H5Tget_size(type);
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      return fmt::format("{}int{}", H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "", 8 * size);
    case H5T_FLOAT: return fmt::format("float{}", 8 * size);
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    case H5T_ENUM: return "enum";
    default: return "other";
  }
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  if (s.size() > kShownChars) s = s.substr(0, kShownChars) + "...";
  return s;
}

template <class T>
std::string list_text(const std::vector<T>& v) {
  if (v.size() == 1) return fmt::format("{}", v[0]);
  std::string s = "[";
  for (std::size_t i = 0; i < std::min(v.size(), kShownValues); ++i) s += (i ? ", " : "") + fmt::format("{}", v[i]);
  if (v.size() > kShownValues) s += fmt::format(", ... ({} values)", v.size());
  return s + "]";
}

std::string attribute_text(hid_t attr) {
  Handle type(H5Aget_type(attr), H5Tclose);
  Handle space(H5Aget_space(attr), H5Sclose);
  const hssize_t n = std::max<hssize_t>(0, H5Sget_simple_extent_npoints(space.get()));
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER: {
      std::vector<long long> v(n);
      if (n && H5Aread(attr, H5T_NATIVE_LLONG, v.data()) < 0) return "<unreadable>";
      return list_text(v);
    }
    case H5T_FLOAT: {
      std::vector<double> v(n);
      if (n && H5Aread(attr, H5T_NATIVE_DOUBLE, v.data()) < 0) return "<unreadable>";
      return list_text(v);
    }
    case H5T_STRING: {
      std::vector<std::string> v;
      if (H5Tis_variable_str(type.get()) > 0) {
        Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mem.get(), H5T_VARIABLE);
        H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
        std::vector<char*> p(n, nullptr);
        if (n && H5Aread(attr, mem.get(), p.data()) < 0) return "<unreadable>";
        for (auto* s : p) v.emplace_back(s ? s : "");
        H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, p.data());
      } else {
        const std::size_t w = H5Tget_size(type.get());
        std::vector<char> buf(n * w + 1, 0);
        if (n && H5Aread(attr, type.get(), buf.data()) < 0) return "<unreadable>";
        for (hssize_t i = 0; i < n; ++i) v.emplace_back(buf.data() + i * w, strnlen(buf.data() + i * w, w));
      }
      for (auto& s : v) s = one_line(s);
      return v.size() == 1 ? v[0] : list_text(v);
    }
    default: return "<" + type_text(type.get()) + ">";
  }
}

herr_t collect_attribute(hid_t obj, const char* name, const H5A_info_t*, void* data) {
  auto* out = static_cast<std::vector<AttributeText>*>(data);
  Handle a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  out->push_back({name, a ? attribute_text(a.get()) : "<unreadable>"});
  return 0;
}

ObjectInfo describe(hid_t file, const std::string& path) {
  ObjectInfo info;
  info.path = path;
  Handle obj(H5Oopen(file, path.c_str(), H5P_DEFAULT), H5Oclose);
  if (!obj) {
    info.dtype = "unreadable";
    return info;
  }
  const H5I_type_t kind = H5Iget_type(obj.get());
  info.group = kind == H5I_GROUP;
  if (kind == H5I_DATASET) {
    Handle space(H5Dget_space(obj.get()), H5Sclose);
    const int nd = std::max(0, H5Sget_simple_extent_ndims(space.get()));
    info.dims.resize(nd);
    H5Sget_simple_extent_dims(space.get(), info.dims.data(), nullptr);
    Handle type(H5Dget_type(obj.get()), H5Tclose);
    info.dtype = type_text(type.get());
  }
  hsize_t index = 0;
  H5Aiterate2(obj.get(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_attribute, &info.attributes);
  return info;
}

herr_t collect_name(hid_t, const char* name, const H5L_info_t* info, void* data) {
  if (info->type == H5L_TYPE_HARD) static_cast<std::vector<std::string>*>(data)->push_back(std::string("/") + name);
  return 0;
}

}  // namespace

std::string shape_text(const std::vector<hsize_t>& dims) {
  if (dims.empty()) return "scalar";
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

std::string dtype_text(const Dataset& dataset) {
  Handle type(H5Dget_type(dataset.id()), H5Tclose);
  return type_text(type.get());
}

std::vector<ObjectInfo> list_objects(const File& file) {
  std::vector<std::string> names;
  H5Lvisit(file.id(), H5_INDEX_NAME, H5_ITER_INC, collect_name, &names);
  std::vector<ObjectInfo> out{describe(file.id(), "/")};
  for (const auto& n : names) out.push_back(describe(file.id(), n));
  return out;
}

}  // namespace crossmf::h5
