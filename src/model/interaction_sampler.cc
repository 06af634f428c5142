#include "src/model/interaction_sampler.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace crossmf {

namespace {
// Proposals per wanted item before the popularity-order fallback. Ordinary users need a few
// (1 over the domain mix's acceptance, more for implicit); the budget only bites on degenerate
// platforms.
constexpr count_t kProposalsPerItem = 32;
constexpr count_t kProposalsBase = 256;
}  // namespace

InteractionSampler::InteractionSampler(const Platform& platform)
    : platform_(platform), stamp_(platform.spec().items, 0) {}

void InteractionSampler::draw(index_t u, std::span<const real> x_u, real b_u, int g, std::span<index_t> items,
                              std::span<real> values, std::span<std::int64_t> times) {
  const PlatformSpec& spec = platform_.spec();
  const count_t m = static_cast<count_t>(items.size());
  RandomStream rs(spec.seed, Purpose::user_ratings, static_cast<std::uint64_t>(u));
  if (++epoch_ == 0) {
    std::fill(stamp_.begin(), stamp_.end(), 0u);
    epoch_ = 1;
  }

  const int a = platform_.segment_topic()[g];
  const count_t topic_n = platform_.topic_size(a);
  const double topic_share = platform_.constants().topic_share;
  count_t head = 0;        // every rank below `head` is taken
  count_t topic_head = 0;  // and every position of the topic's list below `topic_head`
  count_t got = 0;
  const count_t budget = kProposalsPerItem * m + kProposalsBase;
  for (count_t proposals = 0; got < m; ++proposals) {
    while (taken(head)) ++head;  // got < m <= n: an untaken rank exists
    while (topic_head < topic_n && taken(platform_.topic_rank(a, topic_head))) ++topic_head;
    if (proposals == budget) {
      ++fallbacks_;
      for (count_t r = head; got < m; ++r)
        if (!taken(r)) { stamp_[r] = epoch_; items[got++] = platform_.item_at_rank(r); }
      break;
    }
    const bool in_topic = rs.uniform() < topic_share;
    if (in_topic && topic_head == topic_n) continue;  // the user has all of its topic
    const count_t r = in_topic ? platform_.topic_rank(a, platform_.topic_draw(a, rs.uniform(), topic_head))
                               : platform_.popularity_law().draw(rs.uniform(), head);
    if (taken(r)) continue;
    const index_t i = platform_.item_at_rank(r);
    if (!rs.bernoulli(platform_.acceptance(x_u, g, i))) continue;
    stamp_[r] = epoch_;
    items[got++] = i;
  }

  // Draw order favours popular items first; shuffle so that time order (and so the latest
  // interactions that go to /test) is independent of popularity.
  for (count_t k = m - 1; k > 0; --k) std::swap(items[k], items[rs.below(static_cast<std::uint64_t>(k) + 1)]);

  // The user joins somewhere in the first half of the window and spreads its interactions over
  // the rest of it: exponential gaps scaled to end at the window's end (uniform order
  // statistics), at least one second apart.
  const PlantedConstants& c = platform_.constants();
  const double start = static_cast<double>(c.time_start) + rs.uniform() * 0.5 * static_cast<double>(c.time_span);
  const double room = static_cast<double>(c.time_start + c.time_span) - start;
  gaps_.resize(m + 1);
  double sum = 0;
  for (auto& g : gaps_) sum += (g = -std::log(1.0 - rs.uniform()));
  double at = 0;
  std::int64_t previous = INT64_MIN;
  for (count_t k = 0; k < m; ++k) {
    at += gaps_[k];
    previous = std::max(previous + 1, static_cast<std::int64_t>(start + room * (at / sum)));
    times[k] = previous;
  }
  for (count_t k = 0; k < m; ++k) values[k] = platform_.observe(x_u, b_u, items[k], rs);
}

void InteractionSampler::draw_users(const UserBlock& users, const UserCounts& counts, index_t begin, index_t end,
                                    Interactions& ratings, Interactions& test) {
  const int K = platform_.k();
  std::vector<index_t> items;
  std::vector<real> values;
  std::vector<std::int64_t> times;
  for (index_t j = begin; j < end; ++j) {
    const count_t n = counts.ratings[j], m = n + counts.test[j];
    items.resize(m);
    values.resize(m);
    times.resize(m);
    const index_t u = users.first + j;
    draw(u, std::span<const real>(users.factors.data() + std::size_t(j) * K, K), users.bias[j], users.segment[j], items,
         values, times);
    for (count_t k = 0; k < m; ++k) {
      Interactions& to = k < n ? ratings : test;
      to.user.push_back(u);
      to.item.push_back(items[k]);
      to.value.push_back(values[k]);
      to.time.push_back(times[k]);
    }
  }
}

void Interactions::clear() {
  user.clear();
  item.clear();
  value.clear();
  time.clear();
}

std::vector<index_t> batch_bounds(const UserCounts& counts, count_t per_batch) {
  std::vector<index_t> bounds{0};
  const auto n = static_cast<index_t>(counts.ratings.size());
  count_t in_batch = 0;
  for (index_t j = 0; j < n; ++j) {
    in_batch += counts.ratings[j] + counts.test[j];
    if (in_batch >= per_batch && j + 1 < n) {
      bounds.push_back(j + 1);
      in_batch = 0;
    }
  }
  if (n > 0) bounds.push_back(n);
  return bounds;
}

}  // namespace crossmf
