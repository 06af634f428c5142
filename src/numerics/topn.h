// The N best (score, id) pairs of a stream, ties broken by the smaller id so results are
// deterministic. A min-heap of size N: O(log N) per candidate that enters.
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "src/base/types.h"

namespace crossmf {

class TopN {
 public:
  explicit TopN(int n = 0) : n_(n) { heap_.reserve(n); }
  void reset(int n) { n_ = n; heap_.clear(); }
  // True if (s, id) ranks before (t, other).
  static bool better(real s, index_t id, real t, index_t other) { return s != t ? s > t : id < other; }
  void push(real score, index_t id) {
    if (static_cast<int>(heap_.size()) < n_) {
      heap_.push_back({score, id});
      std::push_heap(heap_.begin(), heap_.end(), worse_first);
    } else if (n_ > 0 && better(score, id, heap_.front().score, heap_.front().id)) {
      std::pop_heap(heap_.begin(), heap_.end(), worse_first);
      heap_.back() = {score, id};
      std::push_heap(heap_.begin(), heap_.end(), worse_first);
    }
  }
  // Best first, padded to N with id -1 and score NaN.
  void write(index_t* ids, real* scores) const {
    std::vector<Entry> sorted = heap_;
    std::sort(sorted.begin(), sorted.end(), [](const Entry& a, const Entry& b) { return better(a.score, a.id, b.score, b.id); });
    for (int j = 0; j < n_; ++j) {
      const bool have = j < static_cast<int>(sorted.size());
      ids[j] = have ? sorted[j].id : -1;
      scores[j] = have ? sorted[j].score : std::numeric_limits<real>::quiet_NaN();
    }
  }
  int size() const { return static_cast<int>(heap_.size()); }
  // Scores at or below this can never enter (ties aside): -inf until the heap is full.
  real threshold() const {
    return static_cast<int>(heap_.size()) < n_ ? -std::numeric_limits<real>::infinity() : heap_.front().score;
  }

 private:
  struct Entry { real score; index_t id; };
  // Heap order: the worst entry on top. A function object, not a function pointer, so that the
  // heap algorithms inline the comparison.
  struct WorseFirst {
    bool operator()(const Entry& a, const Entry& b) const { return better(a.score, a.id, b.score, b.id); }
  };
  static constexpr WorseFirst worse_first{};
  int n_;
  std::vector<Entry> heap_;
};

}  // namespace crossmf
