// The writer of the input schema (generate's and import's), read back with InputReader on 1, 2
// and 3 ranks and compared with what was given: uneven per-rank slices, some empty, in several
// appends. (Import's folding of duplicates: serial_rating_runs_test and cli_import_test.)
#include <gtest/gtest.h>


#include "io/input_reader.h"
#include "io/input_writer.h"
#include "io/schema.h"
#include "src/numerics/random.h"
#include "tests/shared_temp_file.h"

using namespace crossmf;
using crossmf::testing::SharedTempFile;

namespace {

// Uneven consecutive shares of n rows: rank r of P gets [n r^2 / P^2, n (r+1)^2 / P^2), so rank 0
// of 3 gets a ninth and ranks differ; with `empty_first` rank 0 gets none.
Slice uneven(count_t n, const Comm& c, bool empty_first) {
  const count_t P = c.size(), r = c.rank();
  auto at = [&](count_t q) { return q == 0 ? count_t(0) : (empty_first && P > 1 && q == 1) ? 0 : n * q * q / (P * P); };
  return {at(r), at(r + 1)};
}

template <class T>
std::span<const T> rows(const std::vector<T>& v, const Slice& s, std::size_t width = 1) {
  return std::span<const T>(v).subspan(s.begin * width, (s.end - s.begin) * width);
}

// The whole data set, the same on every rank.
struct Data {
  index_t users = 23, items = 14;
  std::vector<index_t> user, item, test_user, test_item;
  std::vector<real> value, test_value, user_features, item_features;
  std::vector<std::int64_t> time, user_ids, item_ids;
  std::vector<index_t> domain, label_user;
  std::vector<std::int8_t> label_value;
  Data() {
    Rng rng(4);
    for (index_t u = 0; u < users; ++u)
      for (index_t i = 0; i < items; ++i) {
        const double x = rng.uniform();
        if (x >= 0.3) continue;
        auto [us, is, vs] = x < 0.05 ? std::tie(test_user, test_item, test_value) : std::tie(user, item, value);
        us.push_back(u);
        is.push_back(i);
        vs.push_back(real(1 + rng.below(5)));
        if (x >= 0.05) time.push_back(1700000000 + std::int64_t(rng.below(100000)));
      }
    for (index_t u = 0; u < users; ++u) {
      user_ids.push_back(5000 + 7 * u);
      user_features.push_back(real(rng.normal()));
      user_features.push_back(real(u));
      if (u % 3 == 0) { label_user.push_back(u); label_value.push_back(std::int8_t(u % 2)); }
    }
    for (index_t i = 0; i < items; ++i) {
      item_ids.push_back(-100 - i);
      domain.push_back(i % 4 == 3 ? -1 : i % 3);
      item_features.push_back(real(i) / 2);
    }
  }
};

template <class T, class U>
void expect_rows(const UninitVector<T>& got, const std::vector<U>& all, const Slice& s, const char* what) {
  ASSERT_EQ(got.size(), std::size_t(s.end - s.begin)) << what;
  for (count_t j = s.begin; j < s.end; ++j) EXPECT_EQ(got[j - s.begin], all[j]) << what << " row " << j;
}

}  // namespace

TEST(InputWriter, WhatGenerateWritesReadsBack) {
  Comm c;
  const Data d;
  const SharedTempFile temp(c, "generate.h5");
  const std::string& path = temp.path();
  {
    h5::File file = h5::File::create(path, c.raw());
    InputWriter w(file, c, {.n_users = d.users, .n_items = d.items, .feedback = Feedback::kExplicit,
                            .config = "seed = 4\n", .generator = "crossmf test", .compress = true});
    const Slice r = uneven(d.user.size(), c, true);
    RatingsTable ratings = w.ratings(r.end - r.begin, true);
    // Two appends: the first half of this rank's rows, then the rest (an empty one on rank 0).
    const count_t half = r.begin + (r.end - r.begin) / 2;
    for (const Slice s : {Slice{r.begin, half}, Slice{half, r.end}})
      ratings.append({rows(d.user, s), rows(d.item, s), rows(d.value, s), rows(d.time, s)});
    ratings.finish();
    EXPECT_EQ(ratings.total(), count_t(d.user.size()));
    const Slice t = uneven(d.test_user.size(), c, false);
    RatingsTable test = w.test(t.end - t.begin, false);
    test.append({rows(d.test_user, t), rows(d.test_item, t), rows(d.test_value, t), {}});
    test.finish();
    const Slice us = uneven(d.users, c, false), is = uneven(d.items, c, true), ls = uneven(d.label_user.size(), c, false);
    w.user_ids(rows(d.user_ids, us));
    w.user_features(rows(d.user_features, us, 2), {"minutes", "purchases"});
    w.item_ids(rows(d.item_ids, is));
    w.item_domains(rows(d.domain, is), {"content", "finance", "insurance"});
    w.item_features(rows(d.item_features, is, 1), {"price"});
    w.labels(rows(d.label_user, ls), rows(d.label_value, ls));
    // A per-user table of the wrong length fails on every rank alike.
    int code = 0;
    try {
      w.user_ids(rows(d.user_ids, uneven(d.users - 1, c, false)));
    } catch (const Error& e) {
      code = static_cast<int>(e.code());
    }
    EXPECT_EQ(code, 3);
  }
  InputReader reader(path, c);
  const InputInfo& info = reader.info();
  EXPECT_EQ(info.n_users, d.users);
  EXPECT_EQ(info.n_items, d.items);
  EXPECT_FALSE(info.implicit);
  EXPECT_EQ(info.nnz, count_t(d.user.size()));
  EXPECT_EQ(info.test_nnz, count_t(d.test_user.size()));
  EXPECT_TRUE(info.has_time && info.has_test && info.has_labels && info.has_user_ids && info.has_item_ids);
  EXPECT_EQ(info.domain_names, (std::vector<std::string>{"content", "finance", "insurance"}));
  EXPECT_EQ(info.user_feature_names, (std::vector<std::string>{"minutes", "purchases"}));
  EXPECT_EQ(info.item_features, 1);
  const Triplets ratings = reader.read_ratings(false, true);
  const Slice r = even_slice(d.user.size(), c.rank(), c.size());
  expect_rows(ratings.user, d.user, r, "user");
  expect_rows(ratings.item, d.item, r, "item");
  expect_rows(ratings.value, d.value, r, "value");
  expect_rows(ratings.time, d.time, r, "time");
  const Triplets test = reader.read_ratings(true);
  const Slice t = even_slice(d.test_user.size(), c.rank(), c.size());
  expect_rows(test.user, d.test_user, t, "test user");
  expect_rows(test.value, d.test_value, t, "test value");
  const SideTables side = reader.read_side_tables();
  ASSERT_EQ(side.domain.size(), std::size_t(d.items));
  for (index_t i = 0; i < d.items; ++i) EXPECT_EQ(side.domain[i], d.domain[i]) << "item " << i;
  EXPECT_EQ(side.item_features, d.item_features);
  const Slice us = even_slice(d.users, c.rank(), c.size());
  EXPECT_EQ(side.user_features, std::vector<real>(rows(d.user_features, us, 2).begin(), rows(d.user_features, us, 2).end()));
  const Slice ls = even_slice(d.label_user.size(), c.rank(), c.size());
  expect_rows(side.labels.user, d.label_user, ls, "label user");
  expect_rows(side.labels.value, d.label_value, ls, "label value");
  h5::File& f = reader.file();
  EXPECT_EQ(f.dataset(schema::kUsersId).read_all<std::int64_t>(), d.user_ids);
  EXPECT_EQ(f.dataset(schema::kItemsId).read_all<std::int64_t>(), d.item_ids);
  EXPECT_EQ(f.attr_string("/", "format"), schema::kInputFormat);
  EXPECT_EQ(f.attr_int("/", "format_version"), schema::kInputVersion);
  EXPECT_EQ(f.attr_string("/", "config"), "seed = 4\n");
  f.close();
}
