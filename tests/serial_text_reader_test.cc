// io/text_reader: field splitting, number parsing, delimiter and header detection, and block
// line reading, on strings and real temporary files.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "io/text_reader.h"
#include "src/base/error.h"

using namespace crossmf;
using namespace crossmf::text;

namespace {

std::vector<std::string> split(const std::string& sep, std::string_view line, const char** why = nullptr) {
  FieldSplitter s(Delimiter{sep});
  std::vector<std::string_view> f;
  const char* r = s.split(line, f);
  if (why) *why = r;
  return std::vector<std::string>(f.begin(), f.end());
}

using Fields = std::vector<std::string>;

// A file removed when the test ends.
struct TempFile {
  explicit TempFile(const std::string& content) {
    char name[] = "/tmp/crossmf_text_reader_XXXXXX";
    const int fd = mkstemp(name);
    path = name;
    std::FILE* f = fdopen(fd, "wb");
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
  }
  ~TempFile() { std::remove(path.c_str()); }
  std::string path;
};

std::vector<std::pair<count_t, std::string>> all_lines(const std::string& path) {
  LineReader r(path);
  std::vector<std::pair<count_t, std::string>> out;
  std::string_view line;
  while (r.next(line)) out.emplace_back(r.line_number(), std::string(line));
  return out;
}

}  // namespace

TEST(FieldSplitter, SplitsAndTrims) {
  EXPECT_EQ(split(",", "a,b,c"), (Fields{"a", "b", "c"}));
  EXPECT_EQ(split(",", " a , b ,c "), (Fields{"a", "b", "c"}));
  EXPECT_EQ(split(",", "a,,c,"), (Fields{"a", "", "c", ""}));
  EXPECT_EQ(split("::", "1::1193::5::978300760"), (Fields{"1", "1193", "5", "978300760"}));
  EXPECT_EQ(split("\t", "a b\t c\t"), (Fields{"a b", "c", ""}));  // tab: spaces inside stay
  EXPECT_EQ(split(";", "x;1,5;2"), (Fields{"x", "1,5", "2"}));
  EXPECT_EQ(split(" ", "  a  b\t c "), (Fields{"a", "b", "c"}));
  EXPECT_EQ(split(",", "a,b\r"), (Fields{"a", "b"}));
}

TEST(FieldSplitter, Quotes) {
  EXPECT_EQ(split(",", R"("a,b",c)"), (Fields{"a,b", "c"}));
  EXPECT_EQ(split(",", R"( "say ""hi""" , "x""" ,z)"), (Fields{R"(say "hi")", R"(x")", "z"}));
  EXPECT_EQ(split(",", R"("",1)"), (Fields{"", "1"}));
  const char* why = nullptr;
  split(",", R"("open,1)", &why);
  EXPECT_STREQ(why, "unterminated quoted field (a quoted field cannot span lines: remove the line break inside it)");
  split(",", R"("a"b,1)", &why);
  EXPECT_STREQ(why, "text after a closing quote");
}

// A quoted field broken across two lines: the first line is unterminated, and the second's
// fragment (a quote inside an unquoted field) must not become an id.
TEST(FieldSplitter, QuotedFieldAcrossLines) {
  const char* why = nullptr;
  split(",", R"("Smith,)", &why);
  EXPECT_NE(why, nullptr);
  why = nullptr;
  split(",", R"( John",item7,4)", &why);
  EXPECT_STREQ(why, "a quote inside an unquoted field (the end of a quoted field broken across lines?); quote the whole field");
  why = nullptr;
  split(" ", R"(a" 1 2)", &why);
  EXPECT_NE(why, nullptr);
}

TEST(Numbers, FiniteOnlyAndWhole) {
  double d;
  EXPECT_TRUE(parse_double("3.5", d));
  EXPECT_EQ(d, 3.5);
  EXPECT_TRUE(parse_double("+2e3", d));
  EXPECT_EQ(d, 2000);
  EXPECT_TRUE(parse_double("-0.25", d));
  for (const char* no : {"", "nan", "NaN", "inf", "-inf", "1e400", "3.5x", "x", " 1", "1,5", "+"})
    EXPECT_FALSE(parse_double(no, d)) << no;
  std::int64_t i;
  EXPECT_TRUE(parse_int64("978300760", i));
  EXPECT_EQ(i, 978300760);
  EXPECT_TRUE(parse_int64("-5", i));
  for (const char* no : {"", "12.5", "1e3", "9223372036854775808", "abc"}) EXPECT_FALSE(parse_int64(no, i)) << no;
}

TEST(Numbers, CanonicalIntegers) {
  for (const char* yes : {"0", "7", "-12", "9223372036854775807", "-9223372036854775808"})
    EXPECT_TRUE(is_canonical_integer(yes)) << yes;
  for (const char* no : {"", "-", "007", "-0", "+1", "1.0", "1e3", "u1", "9223372036854775808", " 1"})
    EXPECT_FALSE(is_canonical_integer(no)) << no;
}

TEST(Delimiter, Detects) {
  EXPECT_EQ(detect_delimiter({"1::2::5::9", "3::4::1::9"})->sep, "::");
  EXPECT_EQ(detect_delimiter({"u\ti\t3", "v\tj\t4"})->sep, "\t");
  EXPECT_EQ(detect_delimiter({"u,i,3", "v,j,4"})->sep, ",");
  EXPECT_EQ(detect_delimiter({"u;i;3,5", "v;j;4"})->sep, ";");  // commas in one line only
  EXPECT_EQ(detect_delimiter({"u i 3", "v j 4"})->sep, " ");
  EXPECT_EQ(detect_delimiter({"Toy Story, The\t5\tx", "Heat\t4\ty"})->sep, "\t");
  EXPECT_FALSE(detect_delimiter({"lonely", "words"}));
  EXPECT_EQ(delimiter_from_option(DelimiterChoice::kTab)->sep, "\t");
  EXPECT_EQ(delimiter_from_option(DelimiterChoice::kDoubleColon)->sep, "::");
  EXPECT_FALSE(delimiter_from_option(DelimiterChoice::kAuto));
  for (const auto& c : kDelimiterNames)  // every named separator reads back as its name
    if (c.value != DelimiterChoice::kAuto) EXPECT_EQ(delimiter_from_option(c.value)->name(), c.name);
}

TEST(LineReader, EndingsBomAndLastLine) {
  TempFile f("\xEF\xBB\xBFu,i\r\n\nv,j\nw,k");
  EXPECT_EQ(all_lines(f.path), (std::vector<std::pair<count_t, std::string>>{{1, "u,i"}, {2, ""}, {3, "v,j"}, {4, "w,k"}}));
}

TEST(LineReader, LinesLongerThanTheBlockAndManyBlocks) {
  const std::string long_line(20 << 20, 'x');  // longer than the 8 MiB block
  std::string text = "a\n" + long_line + "\nb\n";
  for (int k = 0; k < 300000; ++k) text += "row" + std::to_string(k) + "\n";  // crosses block edges
  TempFile f(text);
  auto lines = all_lines(f.path);
  ASSERT_EQ(lines.size(), 3u + 300000u);
  EXPECT_EQ(lines[1].second, long_line);
  EXPECT_EQ(lines[2].second, "b");
  for (int k = 0; k < 300000; k += 997) EXPECT_EQ(lines[3 + k].second, "row" + std::to_string(k));
  EXPECT_EQ(lines.back().first, 3 + 300000);
}

TEST(LineReader, MissingFileIsAnIoErrorNamingThePath) {
  try {
    LineReader r("/nonexistent/ratings.csv");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Exit::io);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/ratings.csv"), std::string::npos);
  }
}

namespace {
// Header names and the (line, fields) of every row, or "!reason" for malformed ones.
struct Read {
  std::vector<std::string> header;
  std::vector<std::pair<count_t, std::string>> rows;
};
Read read_table(const std::string& content, TableShape shape, Header header = Header::kAuto,
                DelimiterChoice delimiter = DelimiterChoice::kAuto) {
  TempFile f(content);
  TableReader t(f.path, delimiter, header, shape);
  Read out{t.header(), {}};
  std::vector<std::string_view> fields;
  std::string bad;
  while (t.next(fields, bad)) {
    std::string joined;
    for (auto x : fields) joined += std::string(x) + "|";
    out.rows.emplace_back(t.line(), bad.empty() ? joined : "!" + bad);
  }
  return out;
}
}  // namespace

TEST(TableReader, HeaderByValueColumn) {
  auto r = read_table("userId,movieId,rating,timestamp\n1,2,3.5,9\n\n4,5,x,9\n6,7\n", {2, 2});
  EXPECT_EQ(r.header, (std::vector<std::string>{"userId", "movieId", "rating", "timestamp"}));
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0], (std::pair<count_t, std::string>{2, "1|2|3.5|9|"}));
  EXPECT_EQ(r.rows[1].first, 4);  // malformed only later, by the caller
  EXPECT_EQ(r.rows[2], (std::pair<count_t, std::string>{5, "!expected 4 fields separated by ',', found 2"}));

  EXPECT_TRUE(read_table("1,2,3.5\n", {2, 2}).header.empty());
  EXPECT_EQ(read_table("1,2,3.5\n", {2, 2}, Header::kYes).rows.size(), 0u);
  EXPECT_EQ(read_table("a,b,c\n1,2,3\n", {2, 2}, Header::kNo).rows.size(), 2u);
}

TEST(TableReader, HeaderWithoutANumericColumnByIds) {
  EXPECT_EQ(read_table("user,item\n1,2\n3,4\n", {-1, 2}).header.size(), 2u);
  EXPECT_TRUE(read_table("u1,i1\nu2,i2\n", {-1, 2}).header.empty());
  EXPECT_TRUE(read_table("1,2\n3,4\n", {-1, 2}).header.empty());
}

TEST(TableReader, DetectionAndForcedDelimiter) {
  auto r = read_table("1::2::5\n3::4::1\n", {2, 2});
  EXPECT_EQ(r.rows[1].second, "3|4|1|");
  r = read_table("a;b,c;1\n", {2, 2}, Header::kNo, DelimiterChoice::kSemicolon);
  EXPECT_EQ(r.rows[0].second, "a|b,c|1|");
  EXPECT_THROW(read_table("justone\nword\n", {2, 2}), Error);
  EXPECT_TRUE(read_table("", {2, 2}).rows.empty());
  EXPECT_TRUE(read_table("\n \n", {2, 2}).rows.empty());
}

TEST(BadRows, CountsAndStrictThrowsNamingFileAndLine) {
  BadRows lenient("r.csv", 1, false);
  lenient.report(3, "why");
  lenient.report(9, "why");
  EXPECT_EQ(lenient.count(), 2);
  BadRows strict("r.csv", 1, true);
  try {
    strict.report(17, "value 'x' is not a finite number");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Exit::data);
    EXPECT_EQ(std::string(e.what()).rfind("r.csv:17: value 'x' is not a finite number", 0), 0u) << e.what();
  }
}
