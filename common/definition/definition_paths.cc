#include "common/definition/definition_paths.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/definition/definition_wording.h"
#include "google/protobuf/descriptor.h"

namespace clinic {

absl::optional<std::vector<FieldPathStep>> SplitFieldPath(absl::string_view path) {
  std::vector<FieldPathStep> steps;
  if (path.empty()) return steps;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    FieldPathStep step;
    const size_t open = part.find('[');
    if (open == absl::string_view::npos) {
      step.field = std::string(part);
    } else {
      if (part.back() != ']') return absl::nullopt;
      const absl::string_view number = part.substr(open + 1, part.size() - open - 2);
      if (number.empty() || !absl::SimpleAtoi(number, &step.index) || step.index < 0) {
        return absl::nullopt;
      }
      step.field = std::string(part.substr(0, open));
    }
    if (step.field.empty()) return absl::nullopt;
    steps.push_back(std::move(step));
  }
  return steps;
}

std::string LabelFieldPath(const google::protobuf::Message& root, absl::string_view path) {
  const absl::optional<std::vector<FieldPathStep>> steps = SplitFieldPath(path);
  if (!steps.has_value()) return std::string(path);
  std::string out;
  const google::protobuf::Message* message = &root;
  for (const FieldPathStep& step : *steps) {
    if (!out.empty()) out.push_back('.');
    absl::StrAppend(&out, step.field);
    if (step.index >= 0) absl::StrAppend(&out, "[", step.index, "]");
    if (message == nullptr) continue;
    const google::protobuf::FieldDescriptor* field =
        message->GetDescriptor()->FindFieldByName(step.field);
    const google::protobuf::Reflection* reflection = message->GetReflection();
    if (field == nullptr ||
        field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE ||
        field->is_repeated() != (step.index >= 0) ||
        (field->is_repeated() && step.index >= reflection->FieldSize(*message, field))) {
      message = nullptr;
      continue;
    }
    if (!field->is_repeated()) {
      message = &reflection->GetMessage(*message, field);
      continue;
    }
    message = &reflection->GetRepeatedMessage(*message, field, step.index);
    const google::protobuf::FieldDescriptor* id = message->GetDescriptor()->FindFieldByName("id");
    if (id == nullptr || id->is_repeated() ||
        id->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
      continue;
    }
    const std::string value = message->GetReflection()->GetString(*message, id);
    if (definition_wording::IsDefinitionId(value)) absl::StrAppend(&out, " (", value, ")");
  }
  return out;
}

}  // namespace clinic
