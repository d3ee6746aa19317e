// Helpers shared by the tests: temporary folders, the paths of the built
// plugins and programs, and a plugin folder assembled per test.
#ifndef CLINIC_TESTS_TESTING_TEST_ENV_H_
#define CLINIC_TESTS_TESTING_TEST_ENV_H_

#include <string>
#include <vector>

namespace clinic::testing {

// A fresh folder under the test's temporary directory, removed with its
// contents when the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Where the build put things (compile definitions set by tests/CMakeLists.txt).
std::string TestPluginPath(const std::string& target);   // e.g. "test_alpha" -> .../test_alpha.so
std::string BundledPluginPath(const std::string& name);  // e.g. "microneedling"
std::string ProbePath();
std::string BinaryPath(const std::string& program);  // e.g. "clinicd"
std::string SourcePath(const std::string& relative);

// Copies `from` to `to`, replacing it atomically; aborts the test on failure.
void CopyFile(const std::string& from, const std::string& to);
void WriteFile(const std::string& path, const std::string& contents);
std::string ReadFile(const std::string& path);

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_TESTING_TEST_ENV_H_
