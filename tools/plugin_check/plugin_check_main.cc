// clinic-plugin-check PLUGIN.so...
// clinic-plugin-check [--bases=BASE.textproto,...] [--omit=ID,...] DEFINITION.textproto
//
// Loads each treatment plugin exactly as a Clinic Core server does (probe in
// a child process, ABI check, decoding, validation) and explains every
// problem, naming each field by its path with the ids of the listed elements
// on the way ("contraindications[8] (under_18).rationale"), and what is legal
// but probably a mistake as warnings. Two files declaring the same treatment
// type are reported too. With --print_definition it also prints each loaded
// definition in text format, as the server serves it: for a plugin built on
// bases, the bases' entries and its own together, and older forms upgraded
// (needle configurations written as text appear as typed needles).
//
// Given text-format definitions instead (any file not ending in ".so"), it
// merges each with its bases as clinic_add_treatment_plugin does and checks
// the result, reporting each problem at the file:line:column where the field
// was written, as compilers do; clinic_add_treatment_plugin runs it so at
// build time.
//
// With --previous=OLD (a plugin or a text-format definition), it also lists
// what changed from that version of the treatment type to each file checked,
// with the version step each change needs (major, minor or patch; see
// docs/decisions/0014-definition-version-changes.md), and refuses a file
// whose version number does not say as much, as the server refuses it on
// reload.
//
// Exit status: 0 when every plugin would load, 1 when any would be refused
// (or, with --warnings_as_errors, has warnings), 2 on a usage error or a
// --previous file that cannot be read. For plugin authors, their builds,
// and operators before a deploy.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/definition/definition_changes.h"
#include "common/definition/definition_paths.h"
#include "common/definition/definition_source.h"
#include "common/definition/definition_upgrade.h"
#include "common/definition/definition_validator.h"
#include "common/plugins/plugin_host.h"
#include "google/protobuf/text_format.h"

ABSL_FLAG(std::string, probe, "",
          "Path of clinic-plugin-probe; by default the one next to this program.");
ABSL_FLAG(int, timeout_ms, 5000, "How long one plugin may take to load, in milliseconds.");
ABSL_FLAG(bool, print_definition, false,
          "Also print each loaded definition in text format, bases included.");
ABSL_FLAG(std::vector<std::string>, bases, {},
          "For a text-format definition: the base files it builds on, comma-separated, in "
          "the order clinic_add_treatment_plugin's BASES lists them.");
ABSL_FLAG(std::vector<std::string>, omit, {},
          "For a text-format definition: ids of base entries it leaves out, comma-separated "
          "(clinic_add_treatment_plugin's OMIT).");
ABSL_FLAG(bool, warnings_as_errors, false,
          "Fail (exit 1) when a definition has warnings, as when it has problems.");
ABSL_FLAG(std::string, previous, "",
          "The previous version of the same treatment type, a plugin (.so) or a text-format "
          "definition (read with the same --bases and --omit): list what changed since it, and "
          "fail when the version number does not say as much.");

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

std::string Count(size_t n, const char* one, const char* many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

enum class Verdict { kLoads, kLoadsWithWarnings, kRefused };

// Checks a text-format definition with its bases; prints every problem and
// warning at its file:line:column. The definition as a plugin would serve
// it goes to `accepted` when it is valid.
Verdict CheckText(const std::string& path, TreatmentDefinition* accepted) {
  absl::StatusOr<clinic::DefinitionSource> source =
      clinic::DefinitionSource::Read(path, absl::GetFlag(FLAGS_bases), absl::GetFlag(FLAGS_omit));
  if (!source.ok()) {
    std::printf("%s\n%s: not a valid clinic.v1.TreatmentDefinition\n",
                std::string(source.status().message()).c_str(), path.c_str());
    return Verdict::kRefused;
  }
  // Judged exactly as the host judges the plugin built from these files.
  TreatmentDefinition definition = source->definition();
  const std::vector<clinic::FieldViolation> violations =
      clinic::AcceptTreatmentDefinition(definition);
  std::vector<clinic::FieldViolation> warnings;
  if (violations.empty()) warnings = clinic::TreatmentDefinitionWarnings(definition);
  auto print = [&](const char* kind, const clinic::FieldViolation& v) {
    std::printf("%s: %s: %s: %s\n", source->Locate(v.field).ToString().c_str(), kind,
                clinic::LabelFieldPath(source->definition(), v.field).c_str(),
                v.description.c_str());
  };
  for (const clinic::FieldViolation& v : violations) print("error", v);
  for (const clinic::FieldViolation& w : warnings) print("warning", w);
  if (!violations.empty()) {
    std::printf("%s: %s, %s: a plugin built from it would be refused\n", path.c_str(),
                Count(violations.size(), "error", "errors").c_str(),
                Count(warnings.size(), "warning", "warnings").c_str());
    return Verdict::kRefused;
  }
  *accepted = definition;
  std::printf("%s: OK: treatment type %s %s%s\n", path.c_str(), definition.id().c_str(),
              definition.version().c_str(),
              warnings.empty()
                  ? ""
                  : absl::StrCat(", with ", Count(warnings.size(), "warning", "warnings")).c_str());
  return warnings.empty() ? Verdict::kLoads : Verdict::kLoadsWithWarnings;
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
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

// Whether a file is a text-format definition rather than a plugin library.
bool IsText(const std::string& path) { return !absl::EndsWith(path, ".so"); }

// The definition of --previous as a server would serve it; nullopt, after
// saying why, when it would not load.
absl::optional<TreatmentDefinition> LoadPrevious(const std::string& path,
                                                 const clinic::plugins::PluginHostOptions& options,
                                                 const std::string& staging) {
  if (IsText(path)) {
    absl::StatusOr<clinic::DefinitionSource> source =
        clinic::DefinitionSource::Read(path, absl::GetFlag(FLAGS_bases), absl::GetFlag(FLAGS_omit));
    if (!source.ok()) {
      std::fprintf(stderr, "clinic-plugin-check: --previous=%s: %s\n", path.c_str(),
                   std::string(source.status().message()).c_str());
      return absl::nullopt;
    }
    TreatmentDefinition definition = source->definition();
    if (!clinic::AcceptTreatmentDefinition(definition).empty()) {
      std::fprintf(stderr,
                   "clinic-plugin-check: --previous=%s is not a valid definition; check it "
                   "alone to see why\n",
                   path.c_str());
      return absl::nullopt;
    }
    return definition;
  }
  const clinic::plugins::PluginFileResult result =
      clinic::plugins::LoadPluginFile(path, staging, options);
  if (!result.accepted) {
    std::fprintf(stderr, "clinic-plugin-check: --previous=%s would be refused: %s\n", path.c_str(),
                 result.problem.reasons().empty() ? StageName(result.problem.stage()).c_str()
                                                  : result.problem.reasons(0).c_str());
    return absl::nullopt;
  }
  return result.treatment_type.definition();
}

// Lists what changed from `previous` to `next` (read from `path`) and says
// whether the version number says as much; kRefused when it does not.
Verdict CompareWithPrevious(const std::string& previous_path, const TreatmentDefinition& previous,
                            const std::string& path, const TreatmentDefinition& next) {
  if (previous.id() != next.id()) {
    std::printf("%s: REFUSED: declares treatment type '%s', but --previous=%s declares '%s'\n",
                path.c_str(), next.id().c_str(), previous_path.c_str(), previous.id().c_str());
    return Verdict::kRefused;
  }
  const std::vector<clinic::DefinitionChange> changes = clinic::CompareDefinitions(previous, next);
  if (changes.empty() && previous.version() == next.version()) {
    std::printf("%s: the same definition as %s, version %s\n", path.c_str(), previous_path.c_str(),
                next.version().c_str());
    return Verdict::kLoads;
  }
  std::printf("%s: %s since %s (%s):\n", path.c_str(),
              Count(changes.size(), "change", "changes").c_str(), previous.version().c_str(),
              previous_path.c_str());
  for (const clinic::DefinitionChange& change : changes) {
    std::printf("  %s: %s\n", std::string(clinic::ChangeImpactName(change.impact)).c_str(),
                clinic::DescribeChange(change).c_str());
  }
  const absl::Status step = clinic::CheckVersionStep(previous.version(), next.version(), changes,
                                                     /*name_changes=*/false);
  if (!step.ok()) {
    std::printf("%s: REFUSED: %s\n", path.c_str(), std::string(step.message()).c_str());
    return Verdict::kRefused;
  }
  std::printf("%s: version %s after %s says as much (%s changes need a new %s version)\n",
              path.c_str(), next.version().c_str(), previous.version().c_str(),
              changes.empty() ? "no" : "its",
              std::string(clinic::ChangeImpactName(clinic::RequiredImpact(changes))).c_str());
  return Verdict::kLoads;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Checks Clinic Core treatment plugins the way the server loads them, or text-format\n"
      "definitions the way a plugin built from them would be loaded.\n"
      "Usage: clinic-plugin-check [--probe=PATH] [--timeout_ms=N] [--print_definition]\n"
      "                           [--warnings_as_errors] PLUGIN.so...\n"
      "       clinic-plugin-check [--bases=BASE.textproto,...] [--omit=ID,...]\n"
      "                           [--warnings_as_errors] DEFINITION.textproto...\n"
      "       clinic-plugin-check --previous=OLD.so|OLD.textproto NEW.so|NEW.textproto...");
  std::vector<char*> files = absl::ParseCommandLine(argc, argv);
  if (files.size() < 2) {
    std::fprintf(stderr,
                 "usage: clinic-plugin-check [--probe=PATH] PLUGIN.so...\n"
                 "       clinic-plugin-check [--bases=BASE.textproto,...] [--omit=ID,...] "
                 "DEFINITION.textproto...\n");
    return 2;
  }
  const bool any_text =
      std::any_of(files.begin() + 1, files.end(), [](const char* file) { return IsText(file); });
  if (!any_text && (!absl::GetFlag(FLAGS_bases).empty() || !absl::GetFlag(FLAGS_omit).empty())) {
    std::fprintf(stderr,
                 "clinic-plugin-check: --bases and --omit apply to text-format definitions; a "
                 "built plugin already holds its bases\n");
    return 2;
  }
  const bool strict = absl::GetFlag(FLAGS_warnings_as_errors);
  clinic::plugins::PluginHostOptions options;
  options.probe_path = absl::GetFlag(FLAGS_probe);
  options.load_timeout = absl::Milliseconds(absl::GetFlag(FLAGS_timeout_ms));
  clinic::plugins::StagingDir staging;
  const std::string previous_path = absl::GetFlag(FLAGS_previous);
  absl::optional<TreatmentDefinition> previous;
  if (!previous_path.empty()) {
    previous = LoadPrevious(previous_path, options, staging.path());
    if (!previous.has_value()) return 2;
  }
  // Compares a file that would load with --previous, if given.
  auto compare = [&](const std::string& path, const TreatmentDefinition& next) {
    if (!previous.has_value()) return Verdict::kLoads;
    return CompareWithPrevious(previous_path, *previous, path, next);
  };

  int refused = 0;
  int warned = 0;
  std::map<std::string, std::string> file_by_id;
  for (size_t i = 1; i < files.size(); ++i) {
    const std::string path = files[i];
    if (IsText(path)) {
      TreatmentDefinition definition;
      Verdict verdict = CheckText(path, &definition);
      if (verdict != Verdict::kRefused && compare(path, definition) == Verdict::kRefused) {
        verdict = Verdict::kRefused;
      }
      if (verdict == Verdict::kRefused) ++refused;
      if (verdict == Verdict::kLoadsWithWarnings) ++warned;
      continue;
    }
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
      std::vector<std::string> warnings = result.warnings;
      // One name for one treatment type, wherever the file is copied: the
      // plugin folder then reads as the list of treatment types it serves.
      if (BaseName(path) != id + ".so") {
        warnings.push_back(absl::StrCat("the file is named ", BaseName(path),
                                        "; name it after its treatment type, ", id,
                                        ".so, as the plugin folder expects"));
      }
      for (const std::string& warning : warnings) {
        std::printf("  warning: %s\n", warning.c_str());
      }
      if (!warnings.empty()) ++warned;
      if (absl::GetFlag(FLAGS_print_definition)) {
        // UTF-8 as written ("Décolleté"), not octal escapes.
        google::protobuf::TextFormat::Printer printer;
        printer.SetUseUtf8StringEscaping(true);
        std::string text;
        printer.PrintToString(result.treatment_type.definition(), &text);
        std::printf("%s", text.c_str());
      }
      if (compare(path, result.treatment_type.definition()) == Verdict::kRefused) ++refused;
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
  }
  if (warned > 0 && strict) {
    std::printf("%d of %zu plugin(s) have warnings, which --warnings_as_errors makes fail.\n",
                warned, files.size() - 1);
  }
  return refused > 0 || (warned > 0 && strict) ? 1 : 0;
}
