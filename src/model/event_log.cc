#include "src/model/event_log.h"

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <vector>

#include "src/model/platform.h"

namespace crossmf {

namespace {

constexpr std::int64_t kMinutesPerUnit = 8;  // 1 / the minutes weight of kEventWeights
constexpr std::int64_t kMinGap = 3600, kMaxGap = 72 * 3600;

struct Event {
  const char* name;
  std::int64_t amount;  // 0: none (counts as 1)
};

// One interaction's events, oldest first, whose weighted sum is `value`.
void split_value(std::int64_t value, RandomStream& rs, std::vector<Event>& out) {
  out.clear();
  std::int64_t rest = value;
  const bool purchase = rest >= 5 && rs.bernoulli(0.3);
  if (purchase) rest -= 5;
  const bool favorite = rest >= 3 && rs.bernoulli(0.3);
  if (favorite) rest -= 3;
  const std::int64_t views = std::min<std::int64_t>(rest, 1 + static_cast<std::int64_t>(rs.below(3)));
  for (std::int64_t k = 0; k < views; ++k) out.push_back({"view", 0});
  rest -= views;
  if (rest > 0) {
    // Sessions of whole minutes summing to kMinutesPerUnit * rest: cut points in (0, total).
    const std::int64_t total = kMinutesPerUnit * rest;
    const std::int64_t sessions = 1 + static_cast<std::int64_t>(rs.below(3));
    std::int64_t cut[2] = {total, total};
    for (std::int64_t s = 0; s + 1 < sessions; ++s) cut[s] = 1 + static_cast<std::int64_t>(rs.below(total - 1));
    if (cut[0] > cut[1]) std::swap(cut[0], cut[1]);
    std::int64_t from = 0;
    for (std::int64_t to : {cut[0], cut[1], total})
      if (to > from) {
        out.push_back({"minutes", to - from});
        from = to;
      }
  }
  if (favorite) out.push_back({"favorite", 0});
  if (purchase) out.push_back({"purchase", 0});
}

}  // namespace

void write_event_rows(const Interactions& x, std::uint64_t seed, const std::function<void(std::string_view)>& sink) {
  constexpr std::size_t kFlush = std::size_t{4} << 20;
  std::string out;
  std::vector<Event> events;
  std::vector<std::int64_t> times;
  RandomStream rs(seed, Purpose::user_events, 0);
  auto to = std::back_inserter(out);
  for (count_t k = 0; k < x.size(); ++k) {
    const index_t u = x.user[k];
    // A new stream at each user's first row: batches hold whole users.
    if (k == 0 || x.user[k - 1] != u) rs = RandomStream(seed, Purpose::user_events, static_cast<std::uint64_t>(u));
    split_value(std::llround(x.value[k]), rs, events);
    const std::size_t n = events.size();
    if (n == 0) continue;
    times.assign(n, x.time[k]);
    for (std::size_t e = n - 1; e-- > 0;)
      times[e] = times[e + 1] - kMinGap - static_cast<std::int64_t>(rs.below(kMaxGap - kMinGap + 1));
    const std::int64_t user = Platform::user_id(u), item = Platform::item_id(x.item[k]);
    for (std::size_t e = 0; e < n; ++e) {
      if (events[e].amount > 0)
        fmt::format_to(to, "{},{},{},{},{}\n", user, item, events[e].name, times[e], events[e].amount);
      else
        fmt::format_to(to, "{},{},{},{},\n", user, item, events[e].name, times[e]);
    }
    if (out.size() >= kFlush) {
      sink(out);
      out.clear();
    }
  }
  if (!out.empty()) sink(out);
}

}  // namespace crossmf
