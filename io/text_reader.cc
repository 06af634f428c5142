#include "io/text_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

#include "src/base/error.h"
#include "src/base/log.h"

namespace crossmf::text {

namespace {

constexpr std::size_t kBlockBytes = std::size_t{8} << 20;
constexpr std::size_t kSampleLines = 6;  // lines read ahead to detect the delimiter and header

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool blank_line(std::string_view line) {
  for (char c : line)
    if (!is_blank(c)) return false;
  return true;
}

}  // namespace

std::optional<Delimiter> delimiter_from_option(DelimiterChoice option) {
  switch (option) {
    case DelimiterChoice::kAuto: return std::nullopt;
    case DelimiterChoice::kTab: return Delimiter{"\t"};
    case DelimiterChoice::kSpace: return Delimiter{" "};
    default: return Delimiter{name_of(option)};  // the others are named by their separator
  }
}

std::string Delimiter::name() const {
  for (const auto& c : kDelimiterNames)
    if (const auto d = delimiter_from_option(c.value); d && d->sep == sep) return c.name;
  return sep;
}

std::optional<Delimiter> detect_delimiter(const std::vector<std::string>& sample) {
  std::vector<std::string_view> fields;
  for (const char* sep : {"::", "\t", ",", ";", " "}) {
    FieldSplitter splitter(Delimiter{sep});
    std::size_t count = 0;
    bool fits = !sample.empty();
    for (const std::string& line : sample) {
      if (splitter.split(line, fields) != nullptr || fields.size() < 2 || (count != 0 && fields.size() != count)) {
        fits = false;
        break;
      }
      count = fields.size();
    }
    if (fits) return Delimiter{sep};
  }
  return std::nullopt;
}

const char* FieldSplitter::split(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  const std::size_t n = line.size();
  if (d_.sep == " ") {
    // Blank-separated: runs of spaces and tabs are one separator, no quoting.
    std::size_t p = 0;
    while (true) {
      while (p < n && is_blank(line[p])) ++p;
      if (p == n) return nullptr;
      std::size_t e = p;
      while (e < n && !is_blank(line[e])) ++e;
      if (line.substr(p, e - p).find('"') != std::string_view::npos)
        return "a quote (\") in a blank-separated file, which has no quoting; give --delimiter";
      fields.push_back(line.substr(p, e - p));
      p = e;
    }
  }
  const std::string_view sep = d_.sep;
  const bool tab = sep == "\t";
  auto skip_blanks = [&](std::size_t p) {
    while (p < n && (line[p] == ' ' || line[p] == '\r' || (!tab && line[p] == '\t'))) ++p;
    return p;
  };
  // Unescaped quoted fields are copied here; the reservation keeps earlier views valid.
  scratch_.clear();
  scratch_.reserve(n);
  std::size_t pos = 0;
  while (true) {
    const std::size_t p = skip_blanks(pos);
    if (p < n && line[p] == '"') {
      const std::size_t first = scratch_.size();
      std::size_t seg = p + 1;
      bool escaped = false;
      std::size_t close;
      while (true) {
        close = line.find('"', seg);
        if (close == std::string_view::npos)
          return "unterminated quoted field (a quoted field cannot span lines: remove the line break inside it)";
        if (close + 1 < n && line[close + 1] == '"') {
          scratch_.append(line.substr(seg, close + 1 - seg));
          seg = close + 2;
          escaped = true;
          continue;
        }
        break;
      }
      if (escaped) {
        scratch_.append(line.substr(seg, close - seg));
        fields.emplace_back(scratch_.data() + first, scratch_.size() - first);
      } else {
        fields.push_back(line.substr(p + 1, close - p - 1));
      }
      const std::size_t after = skip_blanks(close + 1);
      if (after == n) return nullptr;
      if (line.substr(after, sep.size()) != sep) return "text after a closing quote";
      pos = after + sep.size();
      continue;
    }
    std::size_t e;
    if (sep.size() == 1) {
      const void* hit = std::memchr(line.data() + p, sep[0], n - p);
      e = hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - line.data()) : std::string_view::npos;
    } else {
      e = line.find(sep, p);
    }
    std::size_t end = e == std::string_view::npos ? n : e;
    while (end > p && (line[end - 1] == ' ' || line[end - 1] == '\r' || (!tab && line[end - 1] == '\t'))) --end;
    // A quote inside an unquoted field is most often the rest of a quoted field that spanned
    // lines: taking it as an id would invent one.
    if (line.substr(p, end - p).find('"') != std::string_view::npos)
      return "a quote inside an unquoted field (the end of a quoted field broken across lines?); quote the whole field";
    fields.push_back(line.substr(p, end - p));
    if (e == std::string_view::npos) return nullptr;
    pos = e + sep.size();
  }
}

bool parse_double(std::string_view s, double& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && std::isfinite(out);
}

bool parse_int64(std::string_view s, std::int64_t& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool is_canonical_integer(std::string_view s) {
  std::string_view digits = s;
  if (!digits.empty() && digits.front() == '-') digits.remove_prefix(1);
  if (digits.empty() || digits.size() > 19) return false;
  if (digits.front() == '0' && (digits.size() > 1 || s.size() > 1)) return false;  // "007", "-0"
  for (char c : digits)
    if (c < '0' || c > '9') return false;
  std::int64_t v;
  return parse_int64(s, v);  // 19 digits may still overflow
}

LineReader::LineReader(const std::string& path) : path_(path) {
  // Non-blocking to open: a pipe nobody writes to then reads as empty instead of blocking forever
  // (one being written, as from `--ratings <(zcat r.csv.gz)`, is read as usual once blocking again).
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd_ < 0) fail(Exit::io, "{}: cannot open for reading ({}); check the path and permissions", path, std::strerror(errno));
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
  struct stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    fail(Exit::io, "{}: is a folder; give the path of a text file", path);
  }
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  buf_.resize(kBlockBytes);
  if (fill() && end_ - begin_ >= 3 && std::memcmp(buf_.data() + begin_, "\xEF\xBB\xBF", 3) == 0) begin_ += 3;
}

LineReader::~LineReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool LineReader::fill() {
  if (eof_) return false;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);  // a line longer than the buffer
  while (true) {
    const ssize_t got = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail(Exit::io, "{}: read failed after {} bytes ({})", path_, bytes_read_, std::strerror(errno));
    if (got == 0) {
      eof_ = true;
      return false;
    }
    end_ += static_cast<std::size_t>(got);
    bytes_read_ += got;
    return true;
  }
}

bool LineReader::next(std::string_view& line) {
  while (true) {
    if (begin_ < end_) {
      const char* start = buf_.data() + begin_;
      const void* nl = std::memchr(start, '\n', end_ - begin_);
      if (nl || eof_) {
        std::size_t len = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - start) : end_ - begin_;
        begin_ += nl ? len + 1 : len;
        if (len > 0 && start[len - 1] == '\r') --len;
        line = std::string_view(start, len);
        ++line_number_;
        return true;
      }
    }
    if (eof_) return false;
    fill();
  }
}

TableReader::TableReader(const std::string& path, DelimiterChoice delimiter_option, Header header_option,
                         TableShape shape)
    : lines_(path) {
  std::string_view line;
  while (ahead_.size() < kSampleLines && lines_.next(line))
    if (!blank_line(line)) ahead_.emplace_back(lines_.line_number(), std::string(line));
  if (ahead_.empty()) return;  // no rows: the caller reports the empty file

  std::optional<Delimiter> d = delimiter_from_option(delimiter_option);
  if (!d) {
    std::vector<std::string> sample;
    for (auto& [no, text] : ahead_) sample.push_back(text);
    d = detect_delimiter(sample);
    // With a header, a short file or a ragged first data line may defeat the whole sample.
    if (!d && sample.size() > 2) d = detect_delimiter({sample[0], sample[1]});
    if (!d)
      fail(Exit::data, "{}: cannot tell the delimiter from the first lines (tried '::', tab, ',', ';', space); "
                       "give --delimiter", path);
  }
  splitter_ = FieldSplitter(*d);

  std::vector<std::string_view> first, second;
  if (const char* why = splitter_.split(ahead_[0].second, first))
    fail(Exit::data, "{}:{}: {}; the first line must hold the columns", path, ahead_[0].first, why);
  std::vector<std::string> first_copy(first.begin(), first.end());  // the next split reuses scratch
  columns_ = first_copy.size();

  bool header = header_option == Header::kYes;
  if (header_option == Header::kAuto) {
    double number;
    std::int64_t integer;
    if (shape.value_column >= 0 && static_cast<std::size_t>(shape.value_column) < columns_) {
      header = !parse_double(first_copy[shape.value_column], number);
    } else if (ahead_.size() > 1 && splitter_.split(ahead_[1].second, second) == nullptr &&
               second.size() == columns_) {
      bool first_text = true, second_ints = true;
      for (int c = 0; c < shape.id_columns && static_cast<std::size_t>(c) < columns_; ++c) {
        first_text = first_text && !parse_int64(first_copy[c], integer);
        second_ints = second_ints && parse_int64(second[c], integer);
      }
      header = first_text && second_ints;
    }
  }
  if (header) {
    header_ = std::move(first_copy);
    replayed_ = 1;
  }
}

bool TableReader::next(std::vector<std::string_view>& fields, std::string& bad) {
  std::string_view line;
  while (true) {
    if (replayed_ < ahead_.size()) {
      line_no_ = ahead_[replayed_].first;
      line = ahead_[replayed_].second;
      ++replayed_;
      break;
    }
    if (!lines_.next(line)) return false;
    if (!blank_line(line)) {  // returns at the first character of a usual line
      line_no_ = lines_.line_number();
      break;
    }
  }
  if (const char* why = splitter_.split(line, fields)) {
    bad = why;
  } else if (fields.size() != columns_) {
    bad = fmt::format("expected {} fields separated by '{}', found {}", columns_, delimiter().name(), fields.size());
  } else {
    bad.clear();
  }
  return true;
}

void BadRows::report(count_t line, std::string_view reason) {
  ++count_;
  if (strict_)
    fail(Exit::data, "{}:{}: {} (--strict stops at the first malformed row: fix it, or run without --strict to "
                     "skip and count such rows)", path_, line, reason);
  if (count_ <= show_) spdlog::warn("{}:{}: {}; row skipped", path_, line, reason);
}

}  // namespace crossmf::text
