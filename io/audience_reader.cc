#include "io/audience_reader.h"

#include <mpi.h>

#include "io/dataset_checks.h"
#include "io/h5.h"
#include "io/h5_listing.h"
#include "io/schema.h"

namespace crossmf {

namespace {

using namespace schema;

void check_output(const h5::File& f, const std::string& option) {
  const std::string& path = f.path();
  if (!f.has_attr(kRoot, attr::kFormat) || f.attr_string(kRoot, attr::kFormat) != kOutputFormat)
    fail(Exit::usage, "{} {} is not a crossmf output (no root attribute {} = \"{}\"); give the output of "
                      "'crossmf train'", option, path, attr::kFormat, kOutputFormat);
  if (const auto v = f.attr_int(kRoot, attr::kFormatVersion); v > kOutputVersion)
    fail(Exit::usage, "{} {} has output format_version {}, newer than this crossmf reads ({}); use a newer crossmf",
         option, path, v, kOutputVersion);
  for (const char* ids : {kUsersId, kItemsId})
    if (!f.exists(ids))
      fail(Exit::usage, "{} {} has no {}: outcomes name users and products by external id; train from an input "
                        "with /users/id and /items/id", option, path, ids);
  if (!f.exists(kProfilesSegment))
    fail(Exit::data, "{} {} has no {}; give a complete crossmf output", option, path, kProfilesSegment);
}

// The domain groups under /audiences, in name order.
std::vector<std::string> audience_groups(const h5::File& f, const std::string& option) {
  std::vector<std::string> groups;
  const std::string prefix = std::string(kAudiences) + "/";
  if (f.exists(kAudiences))
    for (const h5::ObjectInfo& o : h5::list_objects(f))
      if (o.group && o.path.rfind(prefix, 0) == 0 && o.path.find('/', prefix.size()) == std::string::npos)
        groups.push_back(o.path);
  if (groups.empty())
    fail(Exit::usage, "{} {} has no audiences (no group under {}): train on an input with finance or insurance "
                      "products, whose audiences a campaign contacts", option, f.path(), kAudiences);
  return groups;
}

// An id dataset as text per row, into `index` (row r gets index r); a repeated id is damage.
IdSlice read_ids(const h5::File& f, const char* name, const char* what, IdMap& index) {
  const h5::Dataset d = f.dataset(name);
  if (d.kind() != h5::Kind::integer && d.kind() != h5::Kind::string)
    d.fail_here(Exit::data, "holds neither integers nor strings; give a crossmf output");
  if (d.dims().size() != 1) d.fail_here(Exit::data, "must be 1-D, one id per row; give a crossmf output");
  IdSlice ids = read_id_slice(d, 0, static_cast<count_t>(d.rows()), what);
  for (count_t r = 0; r < static_cast<count_t>(ids.keys.size()); ++r) {
    const std::string text = ids.strings.empty() ? ids.text(r) : ids.strings[r];
    if (index.add(text) != r) d.fail_here(Exit::data, fmt::format("row {}: {} id {} is repeated", r, what, ids.text(r)));
  }
  return ids;
}

// One domain's items, members and control flags appended to `a`.
void read_group(const h5::File& f, const std::string& group, AudienceFile& a, count_t n_users, count_t n_items) {
  const h5::Dataset items = f.dataset(path(group, kItemsLeaf));
  require_column(items, Values::integers);
  const count_t products = static_cast<count_t>(items.rows());
  const h5::Dataset users = f.dataset(path(group, kUsersLeaf)), control = f.dataset(path(group, kControlLeaf));
  const int width = require_matrix(users, products, "the products of " + path(group, kItemsLeaf));
  if (require_matrix(control, products, "the products of " + path(group, kItemsLeaf)) != width ||
      (a.width != 0 && width != a.width))
    control.fail_here(Exit::data, fmt::format("has {} columns; every audience must have the width of {} ({})",
                                              control.dims()[1], users.name(), a.width ? a.width : width));
  a.width = width;
  const std::vector<index_t> it = items.read_all<index_t>(), us = users.read_all<index_t>();
  const std::vector<std::uint8_t> co = control.read_all<std::uint8_t>();
  for (count_t p = 0; p < products; ++p)
    if (it[p] < 0 || it[p] >= n_items)
      items.fail_here(Exit::data, fmt::format("row {}: item {} is outside [0, {})", p, it[p], n_items));
  for (std::size_t k = 0; k < us.size(); ++k) {
    if (us[k] < -1 || us[k] >= n_users)
      users.fail_here(Exit::data, fmt::format("row {}: user {} is outside [-1, {})", k / width, us[k], n_users));
    if (co[k] > 1) control.fail_here(Exit::data, fmt::format("row {}: {} is not 0 or 1", k / width, co[k]));
  }
  a.domain.insert(a.domain.end(), products, group.substr(std::string(kAudiences).size() + 1));
  a.items.insert(a.items.end(), it.begin(), it.end());
  a.users.insert(a.users.end(), us.begin(), us.end());
  a.control.insert(a.control.end(), co.begin(), co.end());
}

void read_segments(const h5::File& f, AudienceFile& a, count_t n_users) {
  const h5::Dataset d = f.dataset(kProfilesSegment);
  require_column(d, Values::integers, n_users, "the rows of " + std::string(kUsersId));
  a.segment = d.read_all<std::int32_t>();
  for (std::int32_t s : a.segment) a.segments = std::max(a.segments, s + 1);
  for (count_t u = 0; u < n_users; ++u)
    if (a.segment[u] < -1) d.fail_here(Exit::data, fmt::format("row {}: segment {} is below -1", u, a.segment[u]));
}

}  // namespace

AudienceFile read_audience_file(const std::string& path, const std::string& option) {
  const h5::File f = h5::File::open(path, MPI_COMM_SELF, false, "a crossmf output (" + option + ")");
  check_output(f, option);
  const std::vector<std::string> groups = audience_groups(f, option);
  AudienceFile a;
  read_ids(f, kUsersId, "user", a.user_index);
  a.item_ids = read_ids(f, kItemsId, "item", a.item_index);
  const count_t n_users = a.user_index.size(), n_items = a.item_index.size();
  for (const std::string& g : groups) read_group(f, g, a, n_users, n_items);
  read_segments(f, a, n_users);
  return a;
}

}  // namespace crossmf
