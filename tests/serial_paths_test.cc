// src/base/paths: what a path names (links followed, hard links by inode) and the rules on the
// files a job writes, on real files, links, folders and devices.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "src/base/error.h"
#include "src/base/names.h"
#include "src/base/paths.h"

using namespace crossmf;
namespace fs = std::filesystem;

namespace {
struct Folder {
  Folder() {
    char name[] = "/tmp/crossmf_paths_XXXXXX";
    path = ::mkdtemp(name);
  }
  ~Folder() { fs::remove_all(path); }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
  std::string path;
};

// The message of the usage error check_distinct_files throws, or "" when it accepts.
std::string refusal(const std::vector<NamedPath>& paths) {
  try {
    check_distinct_files(paths);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Exit::usage);
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Paths, LinksAreFollowedAndHardLinksRecognised) {
  Folder d;
  std::ofstream(d / "in.h5") << "x";
  fs::create_symlink("in.h5", d / "sym.h5");
  fs::create_hard_link(d / "in.h5", d / "hard.h5");
  fs::create_symlink("nothere.h5", d / "dangling.h5");
  EXPECT_TRUE(same_file(inspect_path(d / "in.h5"), inspect_path(d / "sym.h5")));
  EXPECT_TRUE(same_file(inspect_path(d / "in.h5"), inspect_path(d / "hard.h5")));
  EXPECT_EQ(inspect_path(d / "dangling.h5").resolved, inspect_path(d / "nothere.h5").resolved);
  EXPECT_FALSE(inspect_path(d / "dangling.h5").exists);
  EXPECT_TRUE(same_file(inspect_path(d / "x/../in.h5"), inspect_path(d / "in.h5")) || !fs::exists(d / "x"));
  fs::create_directory(d / "x");
  EXPECT_TRUE(same_file(inspect_path(d / "x/../in.h5"), inspect_path(d / "in.h5")));
}

TEST(Paths, WrittenFilesMustBeOtherRegularFiles) {
  Folder d;
  std::ofstream(d / "in.h5") << "x";
  fs::create_hard_link(d / "in.h5", d / "hard.h5");
  fs::create_symlink("out.h5", d / "ck.h5");  // dangling: the checkpoint would be written as out.h5
  fs::create_directory(d / "dir");
  EXPECT_EQ(refusal({{"--input", d / "in.h5"}, {"--output", d / "out.h5", true}}), "");
  EXPECT_NE(refusal({{"--input", d / "in.h5"}, {"--output", d / "hard.h5", true}}).find("name the same file (through a link)"),
            std::string::npos);
  EXPECT_NE(refusal({{"--output", d / "out.h5", true}, {"--checkpoint", d / "ck.h5", true}}).find("--output"),
            std::string::npos);
  EXPECT_NE(refusal({{"--output", d / "dir", true}}).find("is a folder, not a regular file"), std::string::npos);
  EXPECT_NE(refusal({{"--output", "/dev/null", true}}).find("is a device or other special file"), std::string::npos);
  EXPECT_NE(refusal({{"--output", d / std::string(300, 'o'), true}}).find("the file name has 300 characters"),
            std::string::npos);
  // Two files only read may be one (the same text as ratings and test is odd, not destructive).
  EXPECT_EQ(refusal({{"--ratings", d / "in.h5"}, {"--test", d / "hard.h5"}}), "");
  // A read file may be a device (input from a pipe is refused later, by the reader).
  EXPECT_EQ(refusal({{"--config", "/dev/null"}, {"--output", d / "out.h5", true}}), "");
}

TEST(Names, DomainNamesUsableAsHdf5Components) {
  EXPECT_EQ(unusable_domain_name("finance"), "");
  EXPECT_EQ(unusable_domain_name("life insurance"), "");
  for (const char* bad : {"", ".", "..", "fin/ance", "all", "fallback", "gated", "a\nb", "\x7f"})
    EXPECT_NE(unusable_domain_name(bad), "") << bad;
  EXPECT_EQ(printable("a\nb"), "a\\x0ab");
  EXPECT_EQ(printable(std::string(100, 'x')), std::string(80, 'x') + "...");
}
