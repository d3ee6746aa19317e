#include "common/definition/definition_source.h"

#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"

namespace clinic {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::TextFormat;

// A definition file is a few hundred lines; anything this large is not one.
constexpr std::streamoff kMaxFileBytes = 16 << 20;

// Parse errors as "path:line:column: error: message".
class Collector : public google::protobuf::io::ErrorCollector {
 public:
  Collector(std::string path, std::vector<std::string>& errors)
      : path_(std::move(path)), errors_(errors) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    SourceLocation location{path_, line + 1, column + 1};
    if (line < 0) location.line = location.column = 0;
    errors_.push_back(absl::StrCat(location.ToString(), ": error: ", message));
  }

 private:
  std::string path_;
  std::vector<std::string>& errors_;
};

// Leaves out the entries of `list` whose id is in `omit`, noting those ids in
// `found`; returns the index in the file of every entry kept.
template <typename Entry>
std::vector<int> LeaveOut(google::protobuf::RepeatedPtrField<Entry>& list,
                          const std::set<std::string>& omit, std::set<std::string>& found) {
  std::vector<int> kept;
  google::protobuf::RepeatedPtrField<Entry> rest;
  for (int i = 0; i < list.size(); ++i) {
    if (omit.count(list.Get(i).id()) != 0) {
      found.insert(list.Get(i).id());
      continue;
    }
    kept.push_back(i);
    *rest.Add() = std::move(*list.Mutable(i));
  }
  list.Swap(&rest);
  return kept;
}

bool ReadText(const std::string& path, std::string& contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0 || size > kMaxFileBytes) return false;
  in.seekg(0, std::ios::beg);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  contents = buffer.str();
  return true;
}

}  // namespace

std::string SourceLocation::ToString() const {
  if (line <= 0) return path;
  return absl::StrCat(path, ":", line, ":", column);
}

absl::StatusOr<DefinitionSource> DefinitionSource::Parse(const DefinitionText& definition,
                                                         const std::vector<DefinitionText>& bases,
                                                         const std::vector<std::string>& omit) {
  DefinitionSource source;
  std::vector<std::string> errors;
  std::vector<const DefinitionText*> texts;
  for (const DefinitionText& base : bases) texts.push_back(&base);
  texts.push_back(&definition);
  for (const DefinitionText* text : texts) {
    File file;
    file.path = text->path;
    file.message = std::make_unique<v1::TreatmentDefinition>();
    file.tree = std::make_unique<TextFormat::ParseInfoTree>();
    Collector collector(text->path, errors);
    TextFormat::Parser parser;
    parser.RecordErrorsTo(&collector);
    parser.WriteLocationsTo(file.tree.get());
    if (!parser.ParseFromString(text->contents, file.message.get())) continue;
    source.files_.push_back(std::move(file));
  }
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));

  // OMIT applies to the bases' lists only, as in the build.
  const std::set<std::string> omitted(omit.begin(), omit.end());
  std::set<std::string> found;
  for (size_t i = 0; i + 1 < source.files_.size(); ++i) {
    File& base = source.files_[i];
    v1::TreatmentDefinition& m = *base.message;
    base.kept["screening_questions"] = LeaveOut(*m.mutable_screening_questions(), omitted, found);
    base.kept["contraindications"] = LeaveOut(*m.mutable_contraindications(), omitted, found);
    if (m.has_protocol()) {
      base.kept["protocol.aftercare"] =
          LeaveOut(*m.mutable_protocol()->mutable_aftercare(), omitted, found);
    }
  }
  for (const std::string& id : omit) {
    if (found.count(id) == 0) {
      errors.push_back(absl::StrCat(definition.path, ": error: OMIT names '", id,
                                    "', which no base declares (as a screening question, "
                                    "contraindication rule or aftercare id)"));
    }
  }
  if (!errors.empty()) return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  for (const File& file : source.files_) source.merged_.MergeFrom(*file.message);
  return source;
}

absl::StatusOr<DefinitionSource> DefinitionSource::Read(const std::string& definition_path,
                                                        const std::vector<std::string>& base_paths,
                                                        const std::vector<std::string>& omit) {
  auto read = [](const std::string& path) -> absl::StatusOr<DefinitionText> {
    DefinitionText text{path, ""};
    if (!ReadText(path, text.contents)) {
      return absl::NotFoundError(
          absl::StrCat(path, ": error: cannot be read (missing, unreadable, or larger than ",
                       kMaxFileBytes >> 20, " MiB)"));
    }
    return text;
  };
  std::vector<DefinitionText> bases;
  for (const std::string& path : base_paths) {
    absl::StatusOr<DefinitionText> base = read(path);
    if (!base.ok()) return base.status();
    bases.push_back(*std::move(base));
  }
  absl::StatusOr<DefinitionText> definition = read(definition_path);
  if (!definition.ok()) return definition.status();
  return Parse(*definition, bases, omit);
}

SourceLocation DefinitionSource::Resolve(const File& file,
                                         const std::vector<FieldPathStep>& steps) const {
  SourceLocation best{file.path, 0, 0};
  const google::protobuf::Descriptor* type = v1::TreatmentDefinition::descriptor();
  const TextFormat::ParseInfoTree* tree = file.tree.get();
  for (size_t i = 0; i < steps.size() && tree != nullptr; ++i) {
    const FieldDescriptor* field = type->FindFieldByName(steps[i].field);
    if (field == nullptr || (!field->is_repeated() && steps[i].index >= 0)) break;
    // A path ending at a list is about the list: its first entry shows it.
    const int index = field->is_repeated() ? std::max(steps[i].index, 0) : -1;
    const TextFormat::ParseLocation at = tree->GetLocation(field, index);
    if (at.line < 0) break;
    best.line = at.line + 1;
    best.column = at.column + 1;
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) break;
    tree = tree->GetTreeForNested(field, index);
    type = field->message_type();
  }
  return best;
}

SourceLocation DefinitionSource::Locate(absl::string_view field_path) const {
  const File& own = files_.back();
  const absl::optional<std::vector<FieldPathStep>> parsed = SplitFieldPath(field_path);
  if (!parsed.has_value() || parsed->empty()) return SourceLocation{own.path, 0, 0};
  std::vector<FieldPathStep> steps = *parsed;

  size_t listed = 0;  // the first step with an index
  while (listed < steps.size() && steps[listed].index < 0) ++listed;
  if (listed == steps.size()) {
    // No list on the way: the definition's own field, or, for a field only
    // a base sets, that base's.
    SourceLocation best = Resolve(own, steps);
    for (size_t i = 0; best.line == 0 && i + 1 < files_.size(); ++i) {
      SourceLocation in_base = Resolve(files_[i], steps);
      if (in_base.line != 0) best = in_base;
    }
    return best;
  }

  // The merged list holds each file's kept entries in turn: find the file
  // that declared entry `index`, and its place in that file.
  std::string list_path;
  const google::protobuf::Descriptor* type = v1::TreatmentDefinition::descriptor();
  std::vector<const FieldDescriptor*> prefix;
  for (size_t i = 0; i <= listed; ++i) {
    const FieldDescriptor* field = type->FindFieldByName(steps[i].field);
    if (field == nullptr || field->is_repeated() != (i == listed) ||
        field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return Resolve(own, steps);
    }
    prefix.push_back(field);
    list_path = list_path.empty() ? field->name() : absl::StrCat(list_path, ".", field->name());
    type = field->message_type();
  }
  int index = steps[listed].index;
  for (const File& file : files_) {
    const google::protobuf::Message* message = file.message.get();
    for (size_t i = 0; i < listed; ++i) {
      message = &message->GetReflection()->GetMessage(*message, prefix[i]);
    }
    const int size = message->GetReflection()->FieldSize(*message, prefix[listed]);
    if (index >= size) {
      index -= size;
      continue;
    }
    const auto kept = file.kept.find(list_path);
    steps[listed].index = kept == file.kept.end() ? index : kept->second[index];
    return Resolve(file, steps);
  }
  return Resolve(own, steps);
}

}  // namespace clinic
