// Resource names ("clients/{client_id}/consents/{id}", docs/api.md) read and
// written from one pattern each, so every service accepts and refuses names
// the same way and says the same thing when it refuses one:
//
//   name: "clients/x" is not of the form "clients/{client_id}"
//
// Services declare one ResourcePattern per resource they serve and parse
// every name and parent a request carries with it; stores and services build
// names with Format. Any code may call it.
#ifndef CLINIC_COMMON_CORE_RESOURCE_NAME_H_
#define CLINIC_COMMON_CORE_RESOURCE_NAME_H_

#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace clinic {

// Which ids a pattern's variables accept. A rule is given one segment of a
// name: never empty and never holding '/'. Rules in use:
// storage::IsWellFormedId (ids the services make), IsIdentifier in text.h
// (site ids), and IsAnyId below.
using IdRule = bool (*)(absl::string_view id);

// Any segment. For ids whose shape nothing here decides, only a lookup (a
// treatment type's id is whatever a loaded plugin declares): a name with
// such an id is well-formed, and an unknown one is NOT_FOUND.
bool IsAnyId(absl::string_view id);

class ResourceName;

// A pattern of segments separated by '/', each a literal collection name
// ("clients") or a variable ("{client_id}"); every variable's id must pass
// the pattern's rule. A pattern is a constant:
//
//   constexpr ResourcePattern kConsentName("clients/{client_id}/consents/{id}",
//                                          storage::IsWellFormedId);
class ResourcePattern {
 public:
  // `pattern` must outlive the ResourcePattern (a string literal does).
  constexpr ResourcePattern(absl::string_view pattern, IdRule rule)
      : pattern_(pattern), rule_(rule) {}

  // The ids of `value`, or INVALID_ARGUMENT naming `field`: "is required, of
  // the form ..." when `value` is empty, otherwise the value (text.h Quote,
  // so the message stays short whatever was sent) "is not of the form ...".
  // The whole value must match: no empty segment, no trailing '/', no
  // further segments.
  absl::StatusOr<ResourceName> Parse(absl::string_view value, absl::string_view field) const;

  // Whether `value` is a name of this pattern.
  bool Matches(absl::string_view value) const;

  // The name with these ids, one per variable in order:
  // kConsentName.Format(client_id, consent_id). The ids are not checked:
  // they come from the service, not the caller.
  template <typename... Ids>
  std::string Format(const Ids&... ids) const {
    return FormatIds({absl::string_view(ids)...});
  }

  // The pattern as written, as error messages show it.
  absl::string_view pattern() const { return pattern_; }

 private:
  friend class ResourceName;

  // Whether `value` matches; when it does and `ids` is set, each variable's
  // id in order.
  bool Match(absl::string_view value, std::vector<absl::string_view>* ids) const;
  std::string FormatIds(std::initializer_list<absl::string_view> ids) const;

  absl::string_view pattern_;
  IdRule rule_;
};

// The ids of a parsed name.
class ResourceName {
 public:
  // The id of `variable`, named without braces ("client_id"); empty when the
  // pattern has no such variable.
  const std::string& id(absl::string_view variable) const;

  // Every id, in the order of the pattern's variables.
  const std::vector<std::string>& ids() const { return ids_; }

 private:
  friend class ResourcePattern;
  ResourceName(absl::string_view pattern, std::vector<std::string> ids)
      : pattern_(pattern), ids_(std::move(ids)) {}

  absl::string_view pattern_;
  std::vector<std::string> ids_;
};

// Whether `name` has the shape of some resource name, whatever its pattern:
// 2 to 6 segments ("kind/id", "clients/{client_id}/consents/{id}") of 1 to 64
// ASCII letters, digits, '-', '.' or '_', at most `max_bytes` in all. For
// code that handles names of every resource alike (what the audit trail
// records); a service reading a request's name uses its ResourcePattern.
bool IsWellFormedResourceName(absl::string_view name, size_t max_bytes);

}  // namespace clinic

#endif  // CLINIC_COMMON_CORE_RESOURCE_NAME_H_
