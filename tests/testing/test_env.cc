#include "tests/testing/test_env.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace clinic::testing {
namespace {

void RemoveTree(const std::string& path) {
  struct stat info;
  if (lstat(path.c_str(), &info) != 0) return;
  if (S_ISDIR(info.st_mode)) {
    if (DIR* dir = opendir(path.c_str())) {
      while (dirent* entry = readdir(dir)) {
        const std::string name = entry->d_name;
        if (name != "." && name != "..") RemoveTree(path + "/" + name);
      }
      closedir(dir);
    }
    rmdir(path.c_str());
  } else {
    unlink(path.c_str());
  }
}

}  // namespace

TempDir::TempDir() {
  std::string pattern = ::testing::TempDir() + "clinic-test-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed for " << pattern;
    return;
  }
  path_ = buffer.data();
}

TempDir::~TempDir() {
  if (!path_.empty()) RemoveTree(path_);
}

std::string TestPluginPath(const std::string& target) {
  return std::string(CLINIC_TEST_PLUGIN_DIR) + "/" + target + ".so";
}
std::string BundledPluginPath(const std::string& name) {
  return std::string(CLINIC_PLUGIN_OUTPUT_DIR) + "/" + name + ".so";
}
std::string ProbePath() { return BinaryPath("clinic-plugin-probe"); }
std::string BinaryPath(const std::string& program) {
  return std::string(CLINIC_BINARY_DIR) + "/" + program;
}
std::string SourcePath(const std::string& relative) {
  return std::string(CLINIC_SOURCE_DIR) + "/" + relative;
}

void CopyFile(const std::string& from, const std::string& to) {
  const std::string contents = ReadFile(from);
  ASSERT_FALSE(contents.empty()) << "cannot read " << from;
  WriteFile(to, contents);
}

void WriteFile(const std::string& path, const std::string& contents) {
  const std::string temporary = path + ".tmp-copy";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << contents;
    ASSERT_TRUE(out.good()) << "cannot write " << temporary;
  }
  ASSERT_EQ(std::rename(temporary.c_str(), path.c_str()), 0) << "cannot rename to " << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace clinic::testing
