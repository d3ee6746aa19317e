// The fixture of the hostile-input suite (hostile_input_test.cc): clinicd as
// a child process with every core service, an admin holding every role
// chain-wide (so authorization never hides validation), the records the
// baselines name (hostile_input_baselines.cc), and raw calls through a
// generic stub, so bytes that are not a valid message can be sent too.
#ifndef CLINIC_TESTS_INTEGRATION_HOSTILE_INPUT_SUITE_H_
#define CLINIC_TESTS_INTEGRATION_HOSTILE_INPUT_SUITE_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/integration/hostile_input_cases.h"
#include "tests/integration/hostile_input_env.h"
#include "tests/testing/test_env.h"

namespace clinic::hostile {

using google::protobuf::Message;
using google::protobuf::MethodDescriptor;

constexpr size_t kMaxMessageBytes = 64 * 1024;
// Far above any field's bound yet under the message limit, so the value
// reaches validation instead of the transport's size check.
constexpr size_t kOversizedBytes = kMaxMessageBytes - 8 * 1024;
constexpr size_t kMaxStatusMessageBytes = 2 * 1024;
constexpr size_t kMaxTrailerBytes = 8 * 1024;
constexpr size_t kMaxAuditEventBytes = 4 * 1024;
constexpr char kSite[] = "london-soho";
constexpr char kAdmin[] = "staff/hostile-admin";
// The fixture screening of test_screening without the two answers that make
// it wait for review, which the suite adds.
constexpr char kScreeningBody[] =
    "treatment_type: 'treatmentTypes/test_screening' definition_version: '1.0.0' "
    "site_id: 'london-soho' planned_area_ids: 'forehead' "
    "answers { question_id: 'pregnant' yes_no: false } "
    "answers { question_id: 'active_breakout' yes_no: false } "
    "answers { question_id: 'last_isotretinoin_dose' never: true }";
constexpr char kVictim[] = "staff/victim";
// Same-length markers swapped on the wire for values that must be fresh at
// each call: a new request_id (a refused call must not spend it, an accepted
// one must not block the next case) and the current etag of a resource.
constexpr char kRequestIdMarker[] = "RIDRIDRIDRIDRIDRIDRIDRID";

// "INVALID_ARGUMENT" and the like; a set as "A|B".
std::string CodeName(grpc::StatusCode code);
std::string Codes(const std::set<grpc::StatusCode>& codes);
// At most 160 characters of `text`, printable, with its full size.
std::string Shorten(const std::string& text);

// What one call returned.
struct Outcome {
  grpc::Status status;
  std::string response;
  size_t trailer_bytes = 0;
};

// One server per test program (each TEST_F runs in its own process under
// CTest); the cases of one test share it.
class HostileInputTest : public ::testing::Test {
 protected:
  // Writes the config and tokens, starts clinicd, creates the fixtures.
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  // (Re)starts clinicd on the same data and reconnects.
  static bool Restart();

  // clinic.v1.<service>.<name>, or nullptr.
  static const MethodDescriptor* Method(const std::string& service, const std::string& name);

  // Sends `bytes` as the request of `method`, as the holder of `token` (none
  // when empty), with `request_id` in x-request-id.
  static Outcome Call(const MethodDescriptor* method, const std::string& bytes,
                      const std::string& token, const std::string& request_id);

  // Calls `service.method` with a text-format request as the admin and
  // returns the response, recording a setup error when it fails.
  static std::unique_ptr<Message> Setup(const std::string& service, const std::string& name,
                                        const std::string& text);

  static std::unique_ptr<Message> NewMessage(const google::protobuf::Descriptor* type);
  // The string at dotted `path` of `message`, "" when absent.
  static std::string StringAt(const Message& message, const std::string& dotted);

  // The records the baselines name: clients, a history, consents, a
  // treatment record, a token; and how to read each fresh etag.
  static void CreateFixtures();
  // Inventory's: a product, a stocked lot with units set aside, a recalled
  // lot, a transfer, and fresh transfers and lots for calls that use one up.
  static void CreateInventoryFixtures();
  // Billing's (hostile_input_fixtures.cc): prices in force today, a plan, a
  // draft, an issued invoice with a payment and a refund, a package; and
  // fresh drafts, issued invoices, payments, packages and treatment record
  // names for calls that use one up.
  static void CreateBillingFixtures();
  // Puts a marker as long as `fetch()`'s value in `placeholder`, so each
  // call gets a value of its own (fetch runs again at every call); false,
  // with setup_error_ set, when fetch gives nothing.
  static bool AddFresh(const std::string& placeholder, char letter,
                       std::function<std::string()> fetch);

  static std::string NextRequestId() { return absl::StrCat("hostile-", ++calls_); }

  // The baseline of `method` with static placeholders filled and fresh
  // values left as markers, or an empty request for an RPC not in the table.
  static std::unique_ptr<Message> Baseline(const MethodDescriptor* method, std::string* error);

  // Swaps the markers in `bytes` for fresh values.
  static std::string Bind(std::string bytes);

  // Sends one case and checks everything the suite promises about it.
  void RunCase(const MethodDescriptor* method, const HostileCase& hostile, bool authenticated);

  using CaseMaker =
      std::function<std::vector<HostileCase>(const MethodDescriptor*, const Message&)>;
  // Runs every case `make` builds for every hosted RPC, one RPC at a time,
  // checking the server is alive after each RPC's batch.
  void RunBatches(const CaseMaker& make, bool authenticated);

  // Fails (and restarts the server) unless health and a real RPC succeed.
  void ExpectAlive(const std::string& after);

  // The Clinic Core RPCs of every service the server reports through
  // reflection, from the generated descriptors.
  std::vector<const MethodDescriptor*> HostedMethods();

  inline static clinic::testing::TempDir* dir_ = nullptr;
  inline static ClinicdProcess* server_ = nullptr;
  inline static std::string setup_error_;
  inline static std::string admin_token_;
  inline static std::shared_ptr<grpc::Channel> channel_;
  inline static std::unique_ptr<grpc::GenericStub> generic_;
  inline static Snapshot snapshot_;
  inline static int64_t audit_sequence_ = 0;
  inline static int calls_ = 0;
  // "{client}" -> "clients/..."
  inline static std::map<std::string, std::string> values_;
  // marker -> how to get the current value ("{client_etag}" and the like).
  inline static std::map<std::string, std::function<std::string()>> fresh_;
};

}  // namespace clinic::hostile

#endif  // CLINIC_TESTS_INTEGRATION_HOSTILE_INPUT_SUITE_H_
