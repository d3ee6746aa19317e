// A treatment definition read from its text-format files, as
// clinic_add_treatment_plugin builds it: the definition and the bases it
// builds on, bases first, with the base entries named in OMIT left out. It
// remembers where each field was written, so a problem the validator names
// by field path ("contraindications[8].rationale") can be shown at its
// file:line:column, in the base or the definition that holds it. Used by
// clinic-plugin-check when the build runs it on the text files; not thread
// safe to share while it is being built, read-only afterwards.
#ifndef CLINIC_COMMON_DEFINITION_DEFINITION_SOURCE_H_
#define CLINIC_COMMON_DEFINITION_DEFINITION_SOURCE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clinic/v1/treatment.pb.h"
#include "common/definition/definition_paths.h"
#include "google/protobuf/text_format.h"

namespace clinic {

// One text file: the path it is reported under, and what it holds.
struct DefinitionText {
  std::string path;
  std::string contents;
};

// Where a field was written.
struct SourceLocation {
  std::string path;
  // 1-based; 0 when the field was not written anywhere in the file (a
  // required field left out of the definition itself).
  int line = 0;
  int column = 0;

  // "path:line:column", or "path" without a line, as compilers and editors
  // write locations.
  std::string ToString() const;
};

class DefinitionSource {
 public:
  // Parses each file, leaves out every base entry (screening question,
  // contraindication rule or aftercare instruction) whose id is in `omit`,
  // and merges the bases, in order, and then the definition, as protobuf
  // merges their concatenated encodings. INVALID_ARGUMENT when a file is not
  // a valid text-format clinic.v1.TreatmentDefinition or an `omit` id names
  // no base entry; its message holds one line per mistake, each starting
  // with the file:line:column it concerns.
  static absl::StatusOr<DefinitionSource> Parse(const DefinitionText& definition,
                                                const std::vector<DefinitionText>& bases,
                                                const std::vector<std::string>& omit);

  // Reads the files, then Parse. NOT_FOUND when one cannot be read.
  static absl::StatusOr<DefinitionSource> Read(const std::string& definition_path,
                                               const std::vector<std::string>& base_paths,
                                               const std::vector<std::string>& omit);

  // The merged definition, as the plugin built from these files declares it.
  const v1::TreatmentDefinition& definition() const { return merged_; }

  // Where the field at `field_path` (a path of the merged definition, as
  // the validator writes it) was written: the field itself, or, when it was
  // left out, the nearest enclosing element that was written; the
  // definition file without a line when nothing on the path was.
  SourceLocation Locate(absl::string_view field_path) const;

 private:
  struct File {
    std::string path;
    std::unique_ptr<v1::TreatmentDefinition> message;
    std::unique_ptr<google::protobuf::TextFormat::ParseInfoTree> tree;
    // For a list entries were left out of, keyed by its path
    // ("protocol.aftercare"): the index in the file of each entry kept.
    std::map<std::string, std::vector<int>> kept;
  };

  DefinitionSource() = default;

  // The deepest location along `steps` within one file; line 0 when none.
  SourceLocation Resolve(const File& file, const std::vector<FieldPathStep>& steps) const;

  // Bases in order, then the definition.
  std::vector<File> files_;
  v1::TreatmentDefinition merged_;
};

}  // namespace clinic

#endif  // CLINIC_COMMON_DEFINITION_DEFINITION_SOURCE_H_
