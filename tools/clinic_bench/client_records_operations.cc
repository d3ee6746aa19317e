// ClientRecords operations: get, search, create, update and chart, and the
// seeding of clients every other operation reads or writes.
#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "clinic/v1/treatment_catalog.grpc.pb.h"
#include "common/core/time.h"
#include "tools/clinic_bench/driver.h"
#include "tools/clinic_bench/fixture.h"
#include "tools/clinic_bench/operation.h"
#include "tools/clinic_bench/seed.h"

namespace clinic::bench {
namespace {

const char* const kGivenNames[] = {"Zoë",   "Seán", "Aisha", "José",  "Mei",    "Olivia", "Liam",
                                   "Noah",  "Emma", "Chloé", "Björn", "Ingrid", "Maria",  "Yusuf",
                                   "Priya", "Hana", "Luca",  "Omar",  "Sofia",  "Amélie"};
// Family names start with three ASCII letters, so their first two or three
// letters are the prefixes searched for.
const char* const kFamilyNames[] = {"Okafor", "Smith",  "Garcia",   "Nguyen", "Mueller", "Rossi",
                                    "Khan",   "Dubois", "Kowalski", "Silva",  "Jensen",  "Tanaka",
                                    "Novak",  "Haddad", "Patel",    "Brown",  "Nunez",   "Larsen"};

using ClientRecordsStubs = std::vector<std::unique_ptr<v1::ClientRecords::Stub>>;

ClientRecordsStubs MakeStubs(const Fixture& fixture) {
  ClientRecordsStubs stubs;
  for (int i = 0; i < fixture.channel_count(); ++i) {
    stubs.push_back(v1::ClientRecords::NewStub(fixture.channel(i)));
  }
  return stubs;
}

// A plausible new client at the fixture's site, different on every call.
v1::Client NewClient(const Fixture& fixture, std::mt19937_64& random, int64_t serial) {
  v1::Client client;
  client.set_home_site_id(fixture.site_id());
  client.set_given_name(kGivenNames[random() % std::size(kGivenNames)]);
  client.set_family_name(kFamilyNames[random() % std::size(kFamilyNames)]);
  client.mutable_date_of_birth()->set_year(1940 + static_cast<int>(random() % 65));
  client.mutable_date_of_birth()->set_month(1 + static_cast<int>(random() % 12));
  client.mutable_date_of_birth()->set_day(1 + static_cast<int>(random() % 28));
  // UK mobile numbers, unique per call and per run, so duplicate detection
  // finds what real registrations would: the odd same name and birthday.
  client.set_phone(
      absl::StrFormat("+447%09d", (random() ^ static_cast<uint64_t>(serial)) % 1000000000ULL));
  client.set_email(absl::StrCat("bench.", serial, ".", random() % 1000000, "@example.com"));
  return client;
}

class GetClientOperation : public Operation {
 public:
  explicit GetClientOperation(Fixture& fixture) : fixture_(fixture) {}
  std::string Rpc() const override { return "ClientRecords/GetClient"; }
  bool NeedsClients() const override { return true; }
  std::vector<v1::Role> Roles() const override { return {v1::ROLE_PRACTITIONER}; }
  absl::Status Prepare() override {
    stubs_ = MakeStubs(fixture_);
    return absl::OkStatus();
  }
  void Start(Slot& slot, Done done) override {
    auto call = std::make_shared<Unary<v1::GetClientRequest, v1::Client>>();
    fixture_.PrepareContext(call->context);
    call->request.set_name(fixture_.RandomClient(slot.random()));
    stubs_[static_cast<size_t>(slot.channel())]->async()->GetClient(
        &call->context, &call->request, &call->response,
        [call, done = std::move(done)](grpc::Status status) { done(status); });
  }

 private:
  Fixture& fixture_;
  ClientRecordsStubs stubs_;
};

class SearchClientsOperation : public Operation {
 public:
  explicit SearchClientsOperation(Fixture& fixture) : fixture_(fixture) {}
  std::string Rpc() const override { return "ClientRecords/SearchClients"; }
  bool NeedsClients() const override { return true; }
  std::vector<v1::Role> Roles() const override { return {v1::ROLE_PRACTITIONER}; }
  absl::Status Prepare() override {
    stubs_ = MakeStubs(fixture_);
    return absl::OkStatus();
  }
  void Start(Slot& slot, Done done) override {
    auto call = std::make_shared<Unary<v1::SearchClientsRequest, v1::SearchClientsResponse>>();
    fixture_.PrepareContext(call->context);
    // A receptionist's first keystrokes: two or three letters of a family
    // name, one page of the size a screen shows.
    const std::string family = kFamilyNames[slot.random()() % std::size(kFamilyNames)];
    const size_t letters = 2 + slot.random()() % 2;
    call->request.set_name_prefix(absl::AsciiStrToLower(family.substr(0, letters)));
    call->request.set_page_size(20);
    stubs_[static_cast<size_t>(slot.channel())]->async()->SearchClients(
        &call->context, &call->request, &call->response,
        [call, done = std::move(done)](grpc::Status status) { done(status); });
  }

 private:
  Fixture& fixture_;
  ClientRecordsStubs stubs_;
};

class CreateClientOperation : public Operation {
 public:
  explicit CreateClientOperation(Fixture& fixture) : fixture_(fixture) {}
  std::string Rpc() const override { return "ClientRecords/CreateClient"; }
  bool DurableWrite() const override { return true; }
  std::vector<v1::Role> Roles() const override { return {v1::ROLE_PRACTITIONER}; }
  absl::Status Prepare() override {
    stubs_ = MakeStubs(fixture_);
    return absl::OkStatus();
  }
  void Start(Slot& slot, Done done) override { StartCreate(slot, std::move(done), false); }

 protected:
  // With `remember`, the new client joins the fixture's clients (seeding).
  void StartCreate(Slot& slot, Done done, bool remember) {
    auto call = std::make_shared<Unary<v1::CreateClientRequest, v1::CreateClientResponse>>();
    fixture_.PrepareContext(call->context);
    call->request.set_request_id(fixture_.NextRequestId());
    *call->request.mutable_client() = NewClient(fixture_, slot.random(), serial_++);
    Fixture* fixture = remember ? &fixture_ : nullptr;
    stubs_[static_cast<size_t>(slot.channel())]->async()->CreateClient(
        &call->context, &call->request, &call->response,
        [call, fixture, done = std::move(done)](grpc::Status status) {
          if (status.ok() && fixture != nullptr) fixture->AddClient(call->response.client().name());
          done(status);
        });
  }

  Fixture& fixture_;

 private:
  ClientRecordsStubs stubs_;
  std::atomic<int64_t> serial_{0};
};

class SeedClientOperation : public CreateClientOperation {
 public:
  using CreateClientOperation::CreateClientOperation;
  void Start(Slot& slot, Done done) override { StartCreate(slot, std::move(done), true); }
};

// Replaces a seeded client's medical history with a new version. Each
// version names the one it was based on by etag, so two calls for the same
// client at once would refuse each other: a client is taken out of the pool
// for the length of its call. A client whose update failed is left out, its
// etag no longer known.
class UpdateMedicalHistoryOperation : public Operation {
 public:
  explicit UpdateMedicalHistoryOperation(Fixture& fixture) : fixture_(fixture) {}
  std::string Rpc() const override { return "ClientRecords/UpdateMedicalHistory"; }
  bool DurableWrite() const override { return true; }
  bool NeedsClients() const override { return true; }
  std::vector<v1::Role> Roles() const override { return {v1::ROLE_PRACTITIONER}; }
  absl::Status Prepare() override {
    stubs_ = MakeStubs(fixture_);
    // A client seeded for this run has no history yet: its first version
    // goes with an empty etag.
    for (const std::string& client : fixture_.clients()) idle_.push_back({client, ""});
    return absl::OkStatus();
  }
  void Start(Slot& slot, Done done) override {
    IdleClient client;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!idle_.empty()) {
        client = std::move(idle_.front());
        idle_.pop_front();
      }
    }
    // More updates in flight than clients: the server refuses the stale
    // etag, and the refusal is counted like any other.
    if (client.name.empty()) client.name = fixture_.RandomClient(slot.random());

    auto call = std::make_shared<Unary<v1::UpdateMedicalHistoryRequest, v1::MedicalHistory>>();
    fixture_.PrepareContext(call->context);
    call->request.set_request_id(fixture_.NextRequestId());
    v1::MedicalHistory& history = *call->request.mutable_medical_history();
    history.set_name(client.name + "/medicalHistory");
    history.set_etag(client.etag);
    v1::MedicalFactEntry* fact = history.add_facts();
    fact->set_fact(slot.random()() % 2 == 0 ? v1::ECZEMA : v1::DIABETES_CONTROLLED);
    fact->set_present(slot.random()() % 4 == 0);
    history.set_notes(absl::StrCat("Reviewed with the client, visit ", slot.random()() % 100));
    stubs_[static_cast<size_t>(slot.channel())]->async()->UpdateMedicalHistory(
        &call->context, &call->request, &call->response,
        [this, call, name = client.name, done = std::move(done)](grpc::Status status) {
          if (status.ok()) {
            std::lock_guard<std::mutex> lock(mutex_);
            idle_.push_back({name, call->response.etag()});
          }
          done(status);
        });
  }

 private:
  struct IdleClient {
    std::string name;
    std::string etag;
  };
  Fixture& fixture_;
  ClientRecordsStubs stubs_;
  std::mutex mutex_;
  std::deque<IdleClient> idle_;
};

CLINIC_BENCH_OPERATION("get", GetClientOperation, "ClientRecords/GetClient of a seeded client");
CLINIC_BENCH_OPERATION("search", SearchClientsOperation,
                       "ClientRecords/SearchClients by a 2-3 letter family name prefix, 20 a page");
CLINIC_BENCH_OPERATION("create", CreateClientOperation,
                       "ClientRecords/CreateClient of a new client at --site");
CLINIC_BENCH_OPERATION("update", UpdateMedicalHistoryOperation,
                       "ClientRecords/UpdateMedicalHistory of a seeded client (a new version)");

}  // namespace

absl::Status SeedClients(Fixture& fixture, int count, int concurrency) {
  if (count <= 0) return absl::OkStatus();
  SeedClientOperation seed(fixture);
  if (absl::Status prepared = seed.Prepare(); !prepared.ok()) return prepared;
  PhaseSpec spec;
  spec.mix.push_back({"seed", 1, &seed});
  spec.concurrency = std::min(concurrency, count);
  spec.channels = fixture.channel_count();
  spec.max_calls = count;
  const PhaseResult result = RunPhase(spec);
  if (static_cast<int>(fixture.clients().size()) < count) {
    const OperationTally& tally = result.tallies[0];
    return absl::UnavailableError(absl::StrCat("seeding created ", fixture.clients().size(), " of ",
                                               count,
                                               " clients; the first failure: ", tally.first_error));
  }
  return absl::OkStatus();
}

}  // namespace clinic::bench
