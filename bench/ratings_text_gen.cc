// Writes a large ratings text for bench/import_memory.sh: "user,item,rating,time" lines with
// string ids ("u<n>", "i<n>"), users uniform, items skewed towards popular ones, a few exact
// repeats of the previous pair, fixed seed; with "int", plain integer ids. Not part of crossmf.
//   ratings_text_gen ROWS USERS ITEMS [int] > ratings.csv
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string_view>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 4 && !(argc == 5 && std::string_view(argv[4]) == "int")) {
    std::fprintf(stderr, "usage: %s ROWS USERS ITEMS [int] > ratings.csv\n", argv[0]);
    return 2;
  }
  const long long rows = std::atoll(argv[1]);
  const long long users = std::atoll(argv[2]), items = std::atoll(argv[3]);
  const bool integer_ids = argc == 5;
  std::mt19937_64 rng(20240611);
  std::vector<char> buf(1 << 22);
  std::size_t used = 0;
  auto put = [&](const char* s, std::size_t n) {
    if (used + n > buf.size()) {
      std::fwrite(buf.data(), 1, used, stdout);
      used = 0;
    }
    for (std::size_t k = 0; k < n; ++k) buf[used + k] = s[k];
    used += n;
  };
  put("user,item,rating,time\n", 22);
  long long u = 0, i = 0, time = 1500000000;
  char line[128];  // three 20-digit numbers at most, and separators
  for (long long r = 0; r < rows; ++r) {
    if (rng() % 1000 != 0) {  // one row in a thousand repeats the previous pair
      u = static_cast<long long>(rng() % users);
      // Item popularity: the square of a uniform number favours small ids.
      const double x = static_cast<double>(rng() >> 11) / 9007199254740992.0;
      i = static_cast<long long>(x * x * items);
    }
    time += static_cast<long long>(rng() % 3);
    char* p = line;
    if (!integer_ids) *p++ = 'u';
    p = std::to_chars(p, p + 20, u).ptr;
    *p++ = ',';
    if (!integer_ids) *p++ = 'i';
    p = std::to_chars(p, p + 20, i).ptr;
    *p++ = ',';
    *p++ = static_cast<char>('1' + rng() % 5);
    *p++ = ',';
    p = std::to_chars(p, p + 20, time).ptr;
    *p++ = '\n';
    put(line, static_cast<std::size_t>(p - line));
  }
  std::fwrite(buf.data(), 1, used, stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}
