// clinic-plugin-check PLUGIN.so...
//
// Loads each treatment plugin exactly as a Clinic Core server does (probe in
// a child process, ABI check, decoding, validation) and explains every
// problem. Two files declaring the same treatment type are reported too.
// With --print_definition it also prints each loaded definition in text
// format, as the server serves it: for a plugin built on bases, the bases'
// entries and its own together, and older forms upgraded (needle
// configurations written as text appear as typed needles).
// Exit status: 0 when every plugin would load, 1 when any would be refused,
// 2 on a usage error. For plugin authors and for operators before a deploy.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "common/plugins/plugin_host.h"
#include "google/protobuf/text_format.h"

ABSL_FLAG(std::string, probe, "",
          "Path of clinic-plugin-probe; by default the one next to this program.");
ABSL_FLAG(int, timeout_ms, 5000, "How long one plugin may take to load, in milliseconds.");
ABSL_FLAG(bool, print_definition, false,
          "Also print each loaded definition in text format, bases included.");

namespace {

using clinic::v1::TreatmentDefinition;

std::string StageName(clinic::v1::PluginProblemStage stage) {
  switch (stage) {
    case clinic::v1::PLUGIN_PROBLEM_STAGE_OPEN:
      return "the file could not be opened as a shared library";
    case clinic::v1::PLUGIN_PROBLEM_STAGE_SYMBOL:
      return "the entry symbol is missing";
    case clinic::v1::PLUGIN_PROBLEM_STAGE_ABI:
      return "the plugin ABI does not match";
    case clinic::v1::PLUGIN_PROBLEM_STAGE_CRASH:
      return "the plugin crashed while loading";
    case clinic::v1::PLUGIN_PROBLEM_STAGE_TIMEOUT:
      return "the plugin did not finish loading in time";
    case clinic::v1::PLUGIN_PROBLEM_STAGE_DECODE:
      return "the definition could not be decoded";
    case clinic::v1::PLUGIN_PROBLEM_STAGE_VALIDATION:
      return "the definition is invalid";
    case clinic::v1::PLUGIN_PROBLEM_STAGE_DUPLICATE:
      return "another plugin declares the same treatment type";
    default:
      return "unknown";
  }
}

void PrintSummary(const clinic::v1::TreatmentType& type) {
  const TreatmentDefinition& d = type.definition();
  int absolute = 0;
  int relative = 0;
  for (const auto& rule : d.contraindications()) {
    (rule.severity() == clinic::v1::SEVERITY_ABSOLUTE ? absolute : relative)++;
  }
  std::printf("  treatment type: %s %s (%s)\n", d.id().c_str(), d.version().c_str(),
              d.display_name().c_str());
  std::printf(
      "  areas: %d, screening questions: %d, contraindications: %d (%d absolute, %d "
      "relative), cartridges: %d, other consumables: %d\n",
      d.protocol().areas_size(), d.screening_questions_size(), d.contraindications_size(), absolute,
      relative, d.cartridges_size(), d.consumables_size());
  std::printf("  abi version: %u, sha256: %s\n", type.source().abi_version(),
              type.source().sha256().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Checks Clinic Core treatment plugins the way the server loads them.\n"
      "Usage: clinic-plugin-check [--probe=PATH] [--timeout_ms=N] [--print_definition] "
      "PLUGIN.so...");
  std::vector<char*> files = absl::ParseCommandLine(argc, argv);
  if (files.size() < 2) {
    std::fprintf(stderr, "usage: clinic-plugin-check [--probe=PATH] PLUGIN.so...\n");
    return 2;
  }
  clinic::plugins::PluginHostOptions options;
  options.probe_path = absl::GetFlag(FLAGS_probe);
  options.load_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_timeout_ms));
  clinic::plugins::StagingDir staging;

  int refused = 0;
  std::map<std::string, std::string> file_by_id;
  for (size_t i = 1; i < files.size(); ++i) {
    const std::string path = files[i];
    const clinic::plugins::PluginFileResult result =
        clinic::plugins::LoadPluginFile(path, staging.path(), options);
    if (result.accepted) {
      const std::string& id = result.treatment_type.definition().id();
      auto [it, inserted] = file_by_id.emplace(id, path);
      if (!inserted) {
        ++refused;
        std::printf("%s: REFUSED: %s\n  - declares treatment type '%s', which %s also declares\n",
                    path.c_str(), StageName(clinic::v1::PLUGIN_PROBLEM_STAGE_DUPLICATE).c_str(),
                    id.c_str(), it->second.c_str());
        continue;
      }
      std::printf("%s: OK\n", path.c_str());
      PrintSummary(result.treatment_type);
      if (absl::GetFlag(FLAGS_print_definition)) {
        // UTF-8 as written ("Décolleté"), not octal escapes.
        google::protobuf::TextFormat::Printer printer;
        printer.SetUseUtf8StringEscaping(true);
        std::string text;
        printer.PrintToString(result.treatment_type.definition(), &text);
        std::printf("%s", text.c_str());
      }
      continue;
    }
    ++refused;
    std::printf("%s: REFUSED: %s\n", path.c_str(), StageName(result.problem.stage()).c_str());
    for (const std::string& reason : result.problem.reasons()) {
      std::printf("  - %s\n", reason.c_str());
    }
  }
  if (refused > 0) {
    std::printf("%d of %zu plugin(s) would be refused.\n", refused, files.size() - 1);
    return 1;
  }
  return 0;
}
