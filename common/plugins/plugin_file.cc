// Loading one plugin file: staging a private copy, probing it in a child
// process, mapping it, and reading and checking its definition
// (LoadPluginFile in plugin_host.h). The host (plugin_host.cc) loads every
// file of the plugin folder this way.
#include <dirent.h>
#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/types/optional.h"
#include "common/core/hash.h"
#include "common/core/log.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/definition/definition_paths.h"
#include "common/definition/definition_upgrade.h"
#include "common/definition/definition_validator.h"
#include "common/plugins/plugin_abi.h"
#include "common/plugins/plugin_host.h"
#include "common/plugins/probe_protocol.h"
#include "common/plugins/probe_runner.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/unknown_field_set.h"

namespace clinic::plugins {

// A plugin library mapped into this process. Closed when the last snapshot
// that uses it is released; nothing keeps pointers into it, because the
// definition is copied out at load time.
class LoadedLibrary {
 public:
  explicit LoadedLibrary(void* handle) : handle_(handle) {}
  LoadedLibrary(const LoadedLibrary&) = delete;
  LoadedLibrary& operator=(const LoadedLibrary&) = delete;
  ~LoadedLibrary() {
    if (handle_ != nullptr) dlclose(handle_);
  }

 private:
  void* handle_;
};

namespace {

using clinic::v1::PluginProblem;
using clinic::v1::PluginProblemStage;
using clinic::v1::TreatmentDefinition;

PluginFileResult Refuse(PluginProblem problem, PluginProblemStage stage,
                        std::vector<std::string> reasons) {
  PluginFileResult result;
  problem.set_stage(stage);
  for (std::string& reason : reasons) problem.add_reasons(std::move(reason));
  result.problem = std::move(problem);
  return result;
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool ReadFile(const std::string& path, std::string& contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  contents = buffer.str();
  return static_cast<bool>(in) || in.eof();
}

// Copies the plugin into the staging folder under its content hash. Writing
// to a temporary name and renaming means a half-written copy is never loaded.
bool Stage(const std::string& bytes, const std::string& staged_path, std::string& error) {
  struct stat info;
  if (stat(staged_path.c_str(), &info) == 0) return true;
  // A name of its own: two files with the same bytes may be staged at once.
  static std::atomic<uint64_t> copies{0};
  const std::string temporary = absl::StrCat(staged_path, ".", copies++, ".tmp");
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      error = absl::StrCat("cannot copy it to ", temporary, ": ", strerror(errno));
      return false;
    }
  }
  chmod(temporary.c_str(), 0700);
  if (rename(temporary.c_str(), staged_path.c_str()) != 0) {
    error = absl::StrCat("cannot copy it to ", staged_path, ": ", strerror(errno));
    return false;
  }
  return true;
}

// Field numbers this build of the contracts does not know. A definition from
// a newer SDK may carry constraints (a new kind of contraindication, say) that
// this host would silently ignore; in a clinical system that must be refused.
void CollectUnknownFields(const google::protobuf::Message& message, const std::string& path,
                          std::vector<std::string>& out) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  const google::protobuf::UnknownFieldSet& unknown = reflection->GetUnknownFields(message);
  for (int i = 0; i < unknown.field_count(); ++i) {
    out.push_back(absl::StrCat(path.empty() ? "(top level)" : path, ": field number ",
                               unknown.field(i).number(),
                               " is unknown to this host; build the plugin against this "
                               "host's SDK or upgrade Clinic Core"));
  }
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const std::string field_path = path.empty() ? field->name() : path + "." + field->name();
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        CollectUnknownFields(reflection->GetRepeatedMessage(message, field, i),
                             absl::StrCat(field_path, "[", i, "]"), out);
      }
    } else {
      CollectUnknownFields(reflection->GetMessage(message, field), field_path, out);
    }
  }
}

std::string MakeTempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/clinic-plugins-XXXXXX");
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) return "";
  return std::string(buffer.data());
}

void RemoveDirTree(const std::string& dir) {
  if (dir.empty()) return;
  if (DIR* handle = opendir(dir.c_str())) {
    while (dirent* entry = readdir(handle)) {
      const std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      unlink(absl::StrCat(dir, "/", name).c_str());
    }
    closedir(handle);
  }
  rmdir(dir.c_str());
}

}  // namespace

StagingDir::StagingDir() : path_(MakeTempDir()) {}
StagingDir::~StagingDir() { RemoveDirTree(path_); }

std::string DefaultProbePath() {
  char buffer[4096];
  const ssize_t length = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (length <= 0) return "clinic-plugin-probe";
  std::string self(buffer, static_cast<size_t>(length));
  const size_t slash = self.find_last_of('/');
  return (slash == std::string::npos ? std::string(".") : self.substr(0, slash)) +
         "/clinic-plugin-probe";
}

PluginFileResult LoadPluginFile(const std::string& path, const std::string& staging_dir,
                                const PluginHostOptions& options,
                                const std::set<std::string>& loaded_before) {
  PluginProblem problem;
  problem.set_file_name(BaseName(path));
  *problem.mutable_detected_at() = ToTimestamp(absl::Now());

  std::string bytes;
  if (!ReadFile(path, bytes)) {
    return Refuse(problem, v1::PLUGIN_PROBLEM_STAGE_OPEN,
                  {absl::StrCat("cannot be read: ", strerror(errno))});
  }
  const std::string sha256 = Sha256Hex(bytes);
  if (staging_dir.empty()) {
    return Refuse(problem, v1::PLUGIN_PROBLEM_STAGE_OPEN,
                  {"cannot be staged: the host has no private staging folder (is /tmp "
                   "writable?)"});
  }
  const std::string staged = absl::StrCat(staging_dir, "/", sha256, ".so");
  std::string stage_error;
  if (!Stage(bytes, staged, stage_error)) {
    return Refuse(problem, v1::PLUGIN_PROBLEM_STAGE_OPEN, {stage_error});
  }

  // The loader's messages name the file it opened, the staged copy; the
  // author knows the file by the name it was given.
  auto unstaged = [&](absl::string_view reason) {
    return absl::StrReplaceAll(reason, {{staged, path}});
  };
  std::shared_ptr<LoadedLibrary> library;
  uint32_t abi_version = 0;
  // Opens the staged copy in this process and reads its definition.
  auto open_here = [&](std::string& definition_bytes) -> absl::optional<PluginFileResult> {
    void* handle = dlopen(staged.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* error = dlerror();
      return Refuse(problem, v1::PLUGIN_PROBLEM_STAGE_OPEN,
                    {unstaged(absl::StrCat("cannot be opened as a shared library: ",
                                           error != nullptr ? error : "unknown error"))});
    }
    library = std::make_shared<LoadedLibrary>(handle);
    const AbiReadResult entry = ReadPluginEntry(handle);
    if (entry.code != kProbeOk)
      return Refuse(problem, v1::PLUGIN_PROBLEM_STAGE_ABI, {entry.reason});
    definition_bytes.assign(reinterpret_cast<const char*>(entry.data), entry.size);
    abi_version = entry.abi_version;
    return absl::nullopt;
  };

  std::string declared;
  const bool probed = loaded_before.count(sha256) == 0;
  if (probed) {
    const std::string probe_path =
        options.probe_path.empty() ? DefaultProbePath() : options.probe_path;
    ProbeOutcome probe = RunProbe(probe_path, staged, options.load_timeout);
    if (!probe.ok()) return Refuse(problem, probe.stage, {unstaged(probe.reason)});
    declared = std::move(probe.definition);
  } else if (absl::optional<PluginFileResult> refused = open_here(declared)) {
    return std::move(*refused);
  }

  TreatmentDefinition definition;
  if (!definition.ParseFromString(declared)) {
    return Refuse(problem, v1::PLUGIN_PROBLEM_STAGE_DECODE,
                  {absl::StrCat("the ", declared.size(),
                                " definition bytes are not a serialized "
                                "clinic.v1.TreatmentDefinition")});
  }
  problem.set_treatment_type_id(definition.id());
  std::vector<std::string> unknown;
  CollectUnknownFields(definition, "", unknown);
  if (!unknown.empty()) {
    return Refuse(problem, v1::PLUGIN_PROBLEM_STAGE_DECODE, std::move(unknown));
  }
  // Validated as the plugin declared it, then upgraded: what is served and
  // recorded is always in the current form (definition_upgrade.h).
  std::vector<FieldViolation> violations = AcceptTreatmentDefinition(definition);
  if (!violations.empty()) {
    std::vector<std::string> reasons;
    reasons.reserve(violations.size());
    for (const FieldViolation& v : violations) {
      reasons.push_back(absl::StrCat(LabelFieldPath(definition, v.field), ": ", v.description));
    }
    return Refuse(problem, v1::PLUGIN_PROBLEM_STAGE_VALIDATION, std::move(reasons));
  }

  if (probed) {
    // The probe survived loading this exact file, so loading it here is as
    // safe as it can be made; the library stays mapped for the snapshot's
    // lifetime.
    std::string again;
    if (absl::optional<PluginFileResult> refused = open_here(again)) return std::move(*refused);
    if (again != declared) {
      return Refuse(problem, v1::PLUGIN_PROBLEM_STAGE_DECODE,
                    {"produced a different definition when loaded a second time; a plugin's "
                     "definition must be constant"});
    }
  }

  PluginFileResult result;
  result.accepted = true;
  result.library = std::move(library);
  for (const FieldViolation& w : TreatmentDefinitionWarnings(definition)) {
    result.warnings.push_back(
        absl::StrCat(LabelFieldPath(definition, w.field), ": ", w.description));
  }
  clinic::v1::TreatmentType& type = result.treatment_type;
  type.set_name(kTreatmentTypeName.Format(definition.id()));
  *type.mutable_definition() = std::move(definition);
  clinic::v1::PluginSource* source = type.mutable_source();
  source->set_file_name(problem.file_name());
  source->set_sha256(sha256);
  source->set_abi_version(abi_version);
  *source->mutable_loaded_at() = problem.detected_at();
  return result;
}

}  // namespace clinic::plugins
