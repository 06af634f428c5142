#include "src/base/events.h"

#include <charconv>
#include <cmath>
#include <set>

#include "src/base/error.h"

namespace crossmf {

namespace {

std::string_view trimmed(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

template <class T>
bool whole_number(std::string_view s, T& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::vector<EventWeight> event_weights(const std::string& text) {
  const std::string example = "e.g. --event-weights view=1,minutes=0.05,favorite=3,purchase=5";
  if (trimmed(text).empty())
    fail(Exit::usage, "--event-weights is empty; give the weight of each event name of the file, {}", example);
  std::vector<EventWeight> out;
  std::set<std::string, std::less<>> seen;
  std::string_view rest = text;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = trimmed(rest.substr(0, comma));
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      fail(Exit::usage, "--event-weights '{}': '{}' has no '='; write each event as name=weight, {}", text, item, example);
    const std::string name(trimmed(item.substr(0, eq)));
    const std::string_view value = trimmed(item.substr(eq + 1));
    double w = 0;
    if (name.empty())
      fail(Exit::usage, "--event-weights '{}': '{}' has no event name before '='; give name=weight", text, item);
    if (!whole_number(value, w))
      fail(Exit::usage, "--event-weights '{}': the weight '{}' of '{}' is not a number; give a number >= 0", text, value, name);
    if (!std::isfinite(w) || w < 0)
      fail(Exit::usage, "--event-weights '{}': the weight {} of '{}' is negative or not finite; give a finite number >= 0",
           text, value, name);
    if (!seen.insert(name).second)
      fail(Exit::usage, "--event-weights '{}' names '{}' twice; give each event once", text, name);
    out.push_back({name, w});
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return out;
}

std::optional<std::int64_t> as_of_seconds(const std::string& text) {
  const std::string_view s = trimmed(text);
  if (s.empty()) return std::nullopt;
  std::int64_t seconds = 0;
  if (whole_number(s, seconds) || parse_date(s, seconds)) return seconds;
  fail(Exit::usage, "--as-of '{}' is neither unix seconds nor a YYYY-MM-DD date; give one, e.g. --as-of 2024-06-30, "
                    "or leave it out for the latest time of the file", text);
}

bool parse_date(std::string_view s, std::int64_t& seconds) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  int y = 0;
  unsigned m = 0, d = 0;
  if (!whole_number(s.substr(0, 4), y) || !whole_number(s.substr(5, 2), m) || !whole_number(s.substr(8, 2), d))
    return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1] + (m == 2 && leap)) return false;
  seconds = days_from_civil(y, m, d) * 86400;
  return true;
}

}  // namespace crossmf
