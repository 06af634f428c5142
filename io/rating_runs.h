// Ratings sorted by (user, item) with duplicates folded, in bounded memory.
//
// Why runs: a text of 100 million ratings does not fit the memory a Slurm job asks for once it
// is held as records (32 bytes each, with the line and time that duplicate handling needs), and
// duplicates can be anywhere in the file. So rows gather in a buffer of `buffer_rows`; a full
// buffer is sorted by (user, item, line), its duplicates folded, and it is spilled as one
// sorted run to a temporary file next to the output. At the end the runs are merged: equal
// pairs meet there in file order (earlier runs hold earlier lines) and are folded by the same
// policy. A data set that fits one buffer never touches the disk. Memory stays near
// buffer_rows * 32 bytes whatever the size of the text.
#pragma once
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "io/duplicate_policy.h"
#include "io/rating.h"

namespace crossmf {

class RatingRuns {
 public:
  // `source` names the text in messages; the spill file, if one is needed, is `spill_path`.
  RatingRuns(std::string source, DuplicatePolicy policy, std::size_t buffer_rows, std::string spill_path,
             PairNamer name, PairTime time = PairTime::last);
  ~RatingRuns();  // removes the spill file, also after a failure
  RatingRuns(const RatingRuns&) = delete;
  RatingRuns& operator=(const RatingRuns&) = delete;

  // A row, in file order (increasing line).
  void add(const Rating& r) {
    buffer_.push_back(r);
    ++rows_;
    if (buffer_.size() == buffer_rows_) spill();
  }
  // Calls `sink` with consecutive blocks of the final ratings in (user, item) order, each pair
  // once with its folded value. May be called again for another pass (to count, then write).
  void merge(const std::function<void(std::span<const Rating>)>& sink);

  count_t rows() const { return rows_; }
  std::size_t runs() const { return runs_.size(); }

 private:
  void sort_and_fold();  // sorts buffer_ and folds its duplicates in place
  void spill();
  void merge_spilled(const std::function<void(std::span<const Rating>)>& sink);

  std::string source_;
  DuplicatePolicy policy_;
  std::size_t buffer_rows_;
  std::string spill_path_;
  PairNamer name_;
  PairTime time_;
  std::vector<Rating> buffer_;
  bool folded_ = false;  // buffer_ is sorted and folded (the data set fits one buffer)
  int fd_ = -1;
  struct Run {
    count_t offset, count;  // in records
  };
  std::vector<Run> runs_;
  count_t rows_ = 0;
};

}  // namespace crossmf
