// The contracts as the tests walk them: every RPC of every Clinic Core
// service linked into the test, found from the generated descriptor pool,
// never from a list of protos or services, so a new service or RPC is
// checked without anyone editing a test.
#ifndef CLINIC_TESTS_TESTING_CONTRACTS_H_
#define CLINIC_TESTS_TESTING_CONTRACTS_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor_database.h>

#include <set>
#include <string>
#include <vector>

namespace clinic::testing {

// Every service of a "clinic." package whose generated code is linked in.
// Link clinic_proto whole (tests/CMakeLists.txt: clinic_whole_proto) so none
// is left out because nothing in the test referred to it.
inline std::vector<const google::protobuf::ServiceDescriptor*> EveryClinicService() {
  std::vector<std::string> files;
  google::protobuf::DescriptorPool::internal_generated_database()->FindAllFileNames(&files);
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const std::string& name : files) {
    const auto* file = google::protobuf::DescriptorPool::generated_pool()->FindFileByName(name);
    if (file == nullptr || file->package().rfind("clinic.", 0) != 0) continue;
    for (int s = 0; s < file->service_count(); ++s) services.push_back(file->service(s));
  }
  return services;
}

// Every RPC of EveryClinicService().
inline std::vector<const google::protobuf::MethodDescriptor*> EveryClinicRpc() {
  std::vector<const google::protobuf::MethodDescriptor*> methods;
  for (const auto* service : EveryClinicService()) {
    for (int m = 0; m < service->method_count(); ++m) methods.push_back(service->method(m));
  }
  return methods;
}

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_TESTING_CONTRACTS_H_
