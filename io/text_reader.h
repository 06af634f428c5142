// Delimited text read fast and knowing nothing of ratings: lines cut from large blocks, fields
// split in place, numbers parsed with std::from_chars, the delimiter and a header line detected,
// and malformed rows counted and shown.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "src/base/choices.h"
#include "src/base/types.h"

namespace crossmf::text {

// How fields are separated: ",", "\t", "::", ";" or " " (a run of blanks is one separator).
struct Delimiter {
  std::string sep;
  std::string name() const;  // as --delimiter spells it: ",", "tab", "::", ";", "space"
};

// The delimiter of a --delimiter choice; nullopt for auto.
std::optional<Delimiter> delimiter_from_option(DelimiterChoice option);

// The first of "::", tab, ",", ";", space that splits every sample line into the same number
// (at least two) of fields; nullopt if none does.
std::optional<Delimiter> detect_delimiter(const std::vector<std::string>& sample);

// Splits a line into fields, trimming blanks around each. A field may be quoted ("a,b"), with
// "" for a quote inside; quoted fields cannot span lines. The fields point into the line, or
// into the splitter's scratch space for unescaped quotes: they live until the next split.
class FieldSplitter {
 public:
  explicit FieldSplitter(Delimiter d) : d_(std::move(d)) {}
  // nullptr on success, else why the line cannot be split.
  const char* split(std::string_view line, std::vector<std::string_view>& fields);
  const Delimiter& delimiter() const { return d_; }

 private:
  Delimiter d_;
  std::string scratch_;
};

// Whole-field numbers. Finite only: "nan", "inf" and values out of range are refused.
bool parse_double(std::string_view s, double& out);
bool parse_int64(std::string_view s, std::int64_t& out);
// True for the text an int64 prints as ("0", "-12", "345"; not "007", "+1", "-0"), so the
// number can stand for the id without losing how it was written.
bool is_canonical_integer(std::string_view s);

// Lines of a file read in large blocks. Line endings "\n" and "\r\n"; a UTF-8 byte-order mark
// at the start is dropped. Throws Error(Exit::io) naming the path if it cannot be read.
class LineReader {
 public:
  explicit LineReader(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line (without its ending) or false at the end of the file. The view lives until
  // the next call.
  bool next(std::string_view& line);
  count_t line_number() const { return line_number_; }  // 1-based, of the last line returned
  count_t bytes_read() const { return bytes_read_; }
  const std::string& path() const { return path_; }

 private:
  bool fill();  // reads more after the unconsumed tail; false at the end of the file
  std::string path_;
  int fd_ = -1;
  std::vector<char> buf_;
  std::size_t begin_ = 0, end_ = 0;  // unconsumed bytes are buf_[begin_, end_)
  bool eof_ = false;
  count_t line_number_ = 0;
  count_t bytes_read_ = 0;
};

// What a table's columns are, for detecting its header.
struct TableShape {
  int value_column = -1;  // a column that is numeric in every data row (-1: none)
  int id_columns = 1;     // leading id columns, text or integers
};

// A delimited file as rows of fields. The column count is set by the first line (header or
// data); blank lines are skipped. Header "auto": the first line is a header if its value column
// is not a number, or (for a table without a numeric column) if its ids are not integers while
// the next line's are.
class TableReader {
 public:
  TableReader(const std::string& path, DelimiterChoice delimiter_option, Header header_option, TableShape shape);

  // The next data row, or false at the end. If the row is malformed (cannot be split, or has
  // the wrong field count) `bad` says why and `fields` is unusable.
  bool next(std::vector<std::string_view>& fields, std::string& bad);
  count_t line() const { return line_no_; }  // 1-based line of the last row returned
  count_t bytes_read() const { return lines_.bytes_read(); }
  std::size_t columns() const { return columns_; }
  const std::vector<std::string>& header() const { return header_; }  // empty without one
  const Delimiter& delimiter() const { return splitter_.delimiter(); }
  const std::string& path() const { return lines_.path(); }

 private:
  LineReader lines_;
  FieldSplitter splitter_{Delimiter{","}};
  std::vector<std::string> header_;
  std::size_t columns_ = 0;
  // The first lines, read ahead for detection and replayed before the rest.
  std::vector<std::pair<count_t, std::string>> ahead_;
  std::size_t replayed_ = 0;
  count_t line_no_ = 0;
};

// Malformed rows of one file: counted, the first `show` of them logged with file, line and
// reason; with `strict` the first one throws Error(Exit::data).
class BadRows {
 public:
  BadRows(std::string path, int show, bool strict) : path_(std::move(path)), show_(show), strict_(strict) {}
  void report(count_t line, std::string_view reason);
  count_t count() const { return count_; }

 private:
  std::string path_;
  int show_;
  bool strict_;
  count_t count_ = 0;
};

}  // namespace crossmf::text
