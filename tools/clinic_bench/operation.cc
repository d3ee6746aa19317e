#include "tools/clinic_bench/operation.h"

#include "absl/strings/str_format.h"

namespace clinic::bench {

OperationRegistry& OperationRegistry::Get() {
  // Built on first use: registrations run during static initialization, in
  // no particular order across files.
  static OperationRegistry* registry = new OperationRegistry;
  return *registry;
}

bool OperationRegistry::Register(const std::string& name, const std::string& description,
                                 OperationFactory factory) {
  entries_[name] = Entry{description, std::move(factory)};
  return true;
}

const OperationRegistry::Entry* OperationRegistry::Find(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

std::string OperationRegistry::Describe() const {
  std::string text;
  for (const auto& [name, entry] : entries_) {
    absl::StrAppendFormat(&text, "  %-8s %s\n", name, entry.description);
  }
  return text;
}

}  // namespace clinic::bench
