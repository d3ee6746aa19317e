// Hostile input over every RPC of every service the server reports as hosted,
// found from the descriptors, so a new service or field is covered without
// editing this file. clinicd runs as a child process; for every string and
// Timestamp field and for whole-request bytes (hostile_input_cases.h) the
// suite checks that the call returns the code the case allows, with a bounded
// message naming the field, that a refused call wrote nothing, that its audit
// event records the status the caller got and stays small, and that the
// server is alive after every RPC's batch. A failure reads
// "<Service.Method> <field> [<variant>] as <caller>: <what was wrong>".
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "clinic/v1/audit.pb.h"
#include "clinic/v1/options.pb.h"
#include "common/core/status.h"
#include "tests/integration/hostile_input_cases.h"
#include "tests/integration/hostile_input_env.h"
#include "tests/integration/hostile_input_suite.h"

namespace clinic::hostile {

void HostileInputTest::RunCase(const MethodDescriptor* method, const HostileCase& hostile,
                               bool authenticated) {
  const std::string request_id = NextRequestId();
  const std::string bytes = Bind(hostile.bytes);
  // A fresh value may be a record made for this call (a transfer to
  // receive, a lot to recall): what the call itself writes is measured from
  // after it.
  if (bytes != hostile.bytes) snapshot_ = TakeSnapshot(dir_->Join("data"));
  const Outcome outcome = Call(method, bytes, authenticated ? admin_token_ : "", request_id);
  const grpc::Status& status = outcome.status;
  const grpc::StatusCode code = status.error_code();
  const std::string where =
      absl::StrCat(method->service()->name(), ".", method->name(), " ", hostile.field, " [",
                   hostile.variant, "] as ", authenticated ? "admin" : "nobody", ": ");
  std::string how;
  bool alive = server_->Alive(&how);
  // A server that is going down answers UNAVAILABLE first; wait for it to end.
  for (int i = 0; alive && code == grpc::UNAVAILABLE && i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    alive = server_->Alive(&how);
  }
  if (!alive) {
    ADD_FAILURE() << where << "the server " << how << " (the caller got " << CodeName(code)
                  << "); its log ends: " << server_->LogTail(800);
    ASSERT_TRUE(Restart()) << setup_error_;
    return;
  }

  if (hostile.allowed.count(code) == 0) {
    ADD_FAILURE() << where << "got " << CodeName(code) << " \"" << Shorten(status.error_message())
                  << "\", expected " << Codes(hostile.allowed);
  }
  if (!status.ok()) {
    if (status.error_message().empty()) ADD_FAILURE() << where << "the error message is empty";
    if (status.error_message().size() > kMaxStatusMessageBytes) {
      ADD_FAILURE() << where << "the error message has " << status.error_message().size()
                    << " bytes (at most " << kMaxStatusMessageBytes << ")";
    }
    if (outcome.trailer_bytes > kMaxTrailerBytes) {
      ADD_FAILURE() << where << "the trailing metadata has " << outcome.trailer_bytes
                    << " bytes (at most " << kMaxTrailerBytes << ")";
    }
    if (hostile.must_name_field && code == grpc::INVALID_ARGUMENT) {
      bool named = absl::StrContains(status.error_message(), hostile.leaf);
      for (const FieldViolation& violation : GetFieldViolations(FromGrpcStatus(status))) {
        named = named || absl::StrContains(violation.field, hostile.leaf);
      }
      if (!named) {
        ADD_FAILURE() << where << "INVALID_ARGUMENT does not name \"" << hostile.leaf
                      << "\": " << Shorten(status.error_message());
      }
    }
  } else if (hostile.hostile_size > 0 && outcome.response.size() >= hostile.hostile_size) {
    ADD_FAILURE() << where << "accepted, and the response (" << outcome.response.size()
                  << " bytes) echoes the " << hostile.hostile_size << "-byte value";
  }

  Snapshot after = TakeSnapshot(dir_->Join("data"));
  if (!status.ok()) {
    const std::vector<std::string> changed = Differences(snapshot_, after);
    if (!changed.empty()) {
      ADD_FAILURE() << where << "refused with " << CodeName(code)
                    << " but wrote: " << absl::StrJoin(changed, ", ");
    }
  }
  snapshot_ = std::move(after);

  if (method->options().GetExtension(v1::policy).audit_exempt() || !hostile.audited) return;
  // A call whose request never arrived whole is audited when it closes, which
  // may be just after its caller has the status: wait for it, with a deadline.
  std::vector<v1::AuditEvent> events;
  auto event = events.end();
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  for (;;) {
    std::string error;
    int64_t last = audit_sequence_;
    std::vector<v1::AuditEvent> more =
        AuditEventsAfter(dir_->Join("data/audit.db"), audit_sequence_, &last, &error);
    audit_sequence_ = last;
    if (!error.empty()) ADD_FAILURE() << where << error;
    for (v1::AuditEvent& e : more) events.push_back(std::move(e));
    // The calls a service made for this one carry its request id too; the
    // event of this call is the one of its method.
    const std::string path = absl::StrCat("/", method->service()->full_name(), "/", method->name());
    event = std::find_if(events.begin(), events.end(), [&](const v1::AuditEvent& e) {
      return e.request_id() == request_id && e.method() == path;
    });
    if (event != events.end() || absl::Now() > deadline) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  if (event == events.end()) {
    ADD_FAILURE() << where << "no audit event carries request id " << request_id << " (got "
                  << CodeName(code) << ")";
    return;
  }
  if (event->status_code() != code) {
    ADD_FAILURE() << where << "the audit event records "
                  << CodeName(static_cast<grpc::StatusCode>(event->status_code()))
                  << ", the caller got " << CodeName(code);
  }
  if (event->ByteSizeLong() > kMaxAuditEventBytes) {
    ADD_FAILURE() << where << "the audit event has " << event->ByteSizeLong() << " bytes (at most "
                  << kMaxAuditEventBytes << ")";
  }
}

namespace {

TEST_F(HostileInputTest, EveryCoreServiceIsHostedAndFound) {
  std::set<std::string> services;
  for (const MethodDescriptor* method : HostedMethods()) {
    services.insert(method->service()->full_name());
  }
  for (const char* core : {"clinic.v1.TreatmentCatalog", "clinic.v1.Access", "clinic.v1.Audit",
                           "clinic.v1.ClientRecords"}) {
    EXPECT_EQ(services.count(core), 1u) << core;
  }
}

// The baselines are valid, so in every other test the hostile value is the
// only thing wrong with a call.
TEST_F(HostileInputTest, EveryBaselineIsAccepted) {
  for (const MethodDescriptor* method : HostedMethods()) {
    std::string error;
    std::unique_ptr<Message> baseline = Baseline(method, &error);
    ASSERT_NE(baseline, nullptr) << error;
    const Outcome outcome =
        Call(method, Bind(baseline->SerializeAsString()), admin_token_, NextRequestId());
    EXPECT_TRUE(outcome.status.ok())
        << method->full_name() << " refused its baseline: " << CodeName(outcome.status.error_code())
        << " " << Shorten(outcome.status.error_message())
        << (Baselines().count(method->full_name()) == 0 ? " (add a plausible request to Baselines)"
                                                        : "");
  }
}

TEST_F(HostileInputTest, StringFields) {
  RunBatches(
      [](const MethodDescriptor* method, const Message& baseline) {
        return StringCases(*method, baseline, kOversizedBytes);
      },
      true);
}

TEST_F(HostileInputTest, TimestampFields) {
  RunBatches([](const MethodDescriptor* method,
                const Message& baseline) { return TimestampCases(*method, baseline); },
             true);
}

TEST_F(HostileInputTest, RandomAndTruncatedRequests) {
  RunBatches(
      [](const MethodDescriptor* method, const Message& baseline) {
        uint32_t seed = 2166136261u;  // FNV-1a of the method name: stable runs
        for (char c : method->full_name()) seed = (seed ^ static_cast<uint8_t>(c)) * 16777619u;
        return UnparseableCases(baseline, seed);
      },
      true);
}

TEST_F(HostileInputTest, RequestsOverTheMessageLimit) {
  RunBatches(
      [](const MethodDescriptor*, const Message& baseline) {
        return std::vector<HostileCase>{OverLimitCase(baseline, kMaxMessageBytes)};
      },
      true);
}

// Without credentials, the same values are refused before any handler runs,
// and still leave a bounded audit event.
TEST_F(HostileInputTest, WithoutCredentials) {
  RunBatches(
      [](const MethodDescriptor* method, const Message& baseline) {
        std::vector<HostileCase> picked;
        std::vector<HostileCase> strings = StringCases(*method, baseline, kOversizedBytes);
        // The first string field only: what matters is what a caller without
        // credentials can make the server hold and record.
        for (const HostileCase& c : strings) {  // empty when there is no string field
          if (c.field == strings[0].field &&
              (c.variant == "oversized" || c.variant == "invalid-utf8" ||
               c.variant == "syntax:sql")) {
            picked.push_back(c);
          }
        }
        std::vector<HostileCase> random = UnparseableCases(baseline, 7);
        picked.push_back(random.front());
        picked.push_back(OverLimitCase(baseline, kMaxMessageBytes));
        picked.push_back(HostileCase{"(request)",
                                     "",
                                     "baseline",
                                     baseline.SerializeAsString(),
                                     {grpc::UNAUTHENTICATED},
                                     0,
                                     false});
        for (HostileCase& c : picked) {
          if (c.allowed == std::set<grpc::StatusCode>{grpc::RESOURCE_EXHAUSTED}) continue;
          std::unique_ptr<Message> parsed(baseline.New());
          const bool parses = parsed->ParseFromString(c.bytes);
          c.allowed = parses ? std::set<grpc::StatusCode>{grpc::UNAUTHENTICATED}
                             : std::set<grpc::StatusCode>{grpc::UNAUTHENTICATED,
                                                          grpc::INVALID_ARGUMENT, grpc::INTERNAL};
        }
        return picked;
      },
      false);
}

}  // namespace
}  // namespace clinic::hostile
