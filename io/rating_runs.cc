#include "io/rating_runs.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <queue>

#include "src/base/error.h"

namespace crossmf {

namespace {

constexpr std::size_t kSinkBlock = 1 << 16;  // ratings handed to the sink at a time
constexpr std::size_t kMinReadRows = 4096;    // per run while merging

// Hands final ratings to the sink in blocks, dividing means on the way.
class Emitter {
 public:
  Emitter(DuplicatePolicy policy, const std::function<void(std::span<const Rating>)>& sink)
      : policy_(policy), sink_(sink) {
    out_.reserve(kSinkBlock);
  }
  void operator()(Rating r) {
    r.value = final_value(policy_, r);
    out_.push_back(r);
    if (out_.size() == kSinkBlock) flush();
  }
  void flush() {
    if (!out_.empty()) sink_(out_);
    out_.clear();
  }

 private:
  DuplicatePolicy policy_;
  const std::function<void(std::span<const Rating>)>& sink_;
  std::vector<Rating> out_;
};

}  // namespace

RatingRuns::RatingRuns(std::string source, DuplicatePolicy policy, std::size_t buffer_rows, std::string spill_path,
                       PairNamer name, PairTime time)
    : source_(std::move(source)), policy_(policy), buffer_rows_(std::max<std::size_t>(1, buffer_rows)),
      spill_path_(std::move(spill_path)), name_(std::move(name)), time_(time) {
  buffer_.reserve(buffer_rows_);  // address space only until rows arrive
}

RatingRuns::~RatingRuns() {
  if (fd_ >= 0) ::close(fd_);
}

void RatingRuns::sort_and_fold() {
  std::sort(buffer_.begin(), buffer_.end());
  if (policy_ == DuplicatePolicy::error) {
    // Name the duplicate whose second row comes first in the file, not the first in sort order.
    std::size_t worst = 0;
    for (std::size_t i = 1; i < buffer_.size(); ++i)
      if (buffer_[i].key == buffer_[i - 1].key && (worst == 0 || buffer_[i].line < buffer_[worst].line)) worst = i;
    if (worst > 0) {
      // The earliest row of that pair is the one the later row repeats.
      std::size_t first = worst;
      while (first > 0 && buffer_[first - 1].key == buffer_[worst].key) --first;
      fold(policy_, buffer_[first], buffer_[worst], source_, name_);
    }
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < buffer_.size(); ++i) {
    if (kept > 0 && buffer_[kept - 1].key == buffer_[i].key)
      fold(policy_, buffer_[kept - 1], buffer_[i], source_, name_, time_);
    else
      buffer_[kept++] = buffer_[i];
  }
  buffer_.resize(kept);
}

void RatingRuns::spill() {
  sort_and_fold();
  if (fd_ < 0) {
    fd_ = ::open(spill_path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd_ < 0)
      fail(Exit::io, "{}: cannot create the temporary file {} for sorting ({}); the output's folder must be writable",
           source_, spill_path_, std::strerror(errno));
    // Nameless from now on: the runs live as long as the descriptor, so no kill leaves them behind.
    ::unlink(spill_path_.c_str());
  }
  const count_t offset = runs_.empty() ? 0 : runs_.back().offset + runs_.back().count;
  const char* p = reinterpret_cast<const char*>(buffer_.data());
  std::size_t left = buffer_.size() * sizeof(Rating);
  off_t at = static_cast<off_t>(offset * sizeof(Rating));
  while (left > 0) {
    const ssize_t put = ::pwrite(fd_, p, std::min<std::size_t>(left, std::size_t{1} << 30), at);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0)
      fail(Exit::io, "{}: writing the temporary file {} failed ({}); free disk space in the output's folder",
           source_, spill_path_, put < 0 ? std::strerror(errno) : "no progress");
    p += put;
    at += put;
    left -= static_cast<std::size_t>(put);
  }
  runs_.push_back({offset, static_cast<count_t>(buffer_.size())});
  buffer_.clear();
}

void RatingRuns::merge(const std::function<void(std::span<const Rating>)>& sink) {
  if (runs_.empty()) {
    if (!folded_) sort_and_fold();
    folded_ = true;
    Emitter emit(policy_, sink);
    for (const Rating& r : buffer_) emit(r);
    emit.flush();
    return;
  }
  if (!buffer_.empty()) spill();
  std::vector<Rating>().swap(buffer_);  // the merge buffers take its place
  merge_spilled(sink);
}

void RatingRuns::merge_spilled(const std::function<void(std::span<const Rating>)>& sink) {
  struct Cursor {
    std::vector<Rating> buf;
    std::size_t pos = 0;
    count_t next = 0, left = 0;  // records still on disk
  };
  const std::size_t per_run = std::max(kMinReadRows, buffer_rows_ / runs_.size());
  std::vector<Cursor> cursors(runs_.size());
  auto load = [&](Cursor& c) {
    const std::size_t n = static_cast<std::size_t>(std::min<count_t>(c.left, static_cast<count_t>(per_run)));
    c.buf.resize(n);
    c.pos = 0;
    char* p = reinterpret_cast<char*>(c.buf.data());
    std::size_t want = n * sizeof(Rating);
    off_t at = static_cast<off_t>(c.next * sizeof(Rating));
    while (want > 0) {
      const ssize_t got = ::pread(fd_, p, want, at);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0)
        fail(Exit::io, "{}: reading back the temporary file {} failed ({})", source_, spill_path_,
             got < 0 ? std::strerror(errno) : "file truncated");
      p += got;
      at += got;
      want -= static_cast<std::size_t>(got);
    }
    c.next += static_cast<count_t>(n);
    c.left -= static_cast<count_t>(n);
  };
  auto later = [&](std::size_t a, std::size_t b) { return cursors[b].buf[cursors[b].pos] < cursors[a].buf[cursors[a].pos]; };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> heads(later);
  for (std::size_t r = 0; r < runs_.size(); ++r) {
    cursors[r].next = runs_[r].offset;
    cursors[r].left = runs_[r].count;
    load(cursors[r]);
    if (!cursors[r].buf.empty()) heads.push(r);
  }

  Emitter emit(policy_, sink);
  Rating pending{};
  bool has_pending = false;
  while (!heads.empty()) {
    const std::size_t r = heads.top();
    heads.pop();
    Cursor& c = cursors[r];
    const Rating x = c.buf[c.pos++];
    if (c.pos == c.buf.size() && c.left > 0) load(c);
    if (c.pos < c.buf.size()) heads.push(r);
    if (has_pending && pending.key == x.key) {
      fold(policy_, pending, x, source_, name_, time_);
    } else {
      if (has_pending) emit(pending);
      pending = x;
      has_pending = true;
    }
  }
  if (has_pending) emit(pending);
  emit.flush();
}

}  // namespace crossmf
