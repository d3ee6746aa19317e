// Status mapping, logging and request ids: the small pieces every RPC
// relies on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "clinic/v1/common.pb.h"
#include "common/core/log.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/thread_name.h"
#include "common/server/call_log_interceptor.h"
#include "common/server/work_pool.h"

namespace clinic {
namespace {

using ::testing::SizeIs;

TEST(StatusTest, InvalidFieldNamesTheFieldInMessageAndDetails) {
  const absl::Status status = InvalidField("site.currency_code", "\"GBX\" is not an ISO-4217 code");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "site.currency_code: \"GBX\" is not an ISO-4217 code");
  const auto violations = GetFieldViolations(status);
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_EQ(violations[0].field, "site.currency_code");
}

TEST(StatusTest, FieldViolationsSummariseAndKeepEveryViolation) {
  const absl::Status status = FieldViolations(absl::StatusCode::kFailedPrecondition, "cannot book",
                                              {{"a", "first"}, {"b", "second"}, {"c", "third"}});
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "cannot book: a: first (and 2 more problems)");
  EXPECT_THAT(GetFieldViolations(status), SizeIs(3));
}

TEST(StatusTest, GrpcRoundTripKeepsCodeMessageAndDetails) {
  const absl::Status original =
      WithReason(InvalidField("name", "is required"), "NAME_MISSING", "clinic.v1.TreatmentCatalog");
  const grpc::Status wire = ToGrpcStatus(original);
  EXPECT_EQ(wire.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(wire.error_message(), "name: is required");

  v1::Status details;
  ASSERT_TRUE(details.ParseFromString(wire.error_details()));
  EXPECT_EQ(details.code(), 3);
  ASSERT_THAT(details.details(), SizeIs(2));
  v1::ErrorInfo info;
  bool found_info = false;
  for (const auto& any : details.details()) found_info |= any.UnpackTo(&info);
  ASSERT_TRUE(found_info);
  EXPECT_EQ(info.reason(), "NAME_MISSING");

  const absl::Status back = FromGrpcStatus(wire);
  EXPECT_EQ(back.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(back.message(), "name: is required");
  ASSERT_THAT(GetFieldViolations(back), SizeIs(1));
  EXPECT_EQ(GetFieldViolations(back)[0].field, "name");
}

TEST(StatusTest, OkMapsToOkAndEveryCodeKeepsItsNumber) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_EQ(ToGrpcStatus(absl::NotFoundError("x")).error_code(), grpc::NOT_FOUND);
  EXPECT_EQ(ToGrpcStatus(absl::AbortedError("x")).error_code(), grpc::ABORTED);
  EXPECT_EQ(ToGrpcStatus(absl::AlreadyExistsError("x")).error_code(), grpc::ALREADY_EXISTS);
  EXPECT_EQ(ToGrpcStatus(absl::FailedPreconditionError("x")).error_code(),
            grpc::FAILED_PRECONDITION);
  EXPECT_EQ(ToGrpcStatus(absl::PermissionDeniedError("x")).error_code(), grpc::PERMISSION_DENIED);
  EXPECT_EQ(ToGrpcStatus(absl::UnauthenticatedError("x")).error_code(), grpc::UNAUTHENTICATED);
}

TEST(GrpcCodeNameTest, NamesEveryCodeAsAbslDoes) {
  EXPECT_EQ(GrpcCodeName(grpc::OK), "OK");
  EXPECT_EQ(GrpcCodeName(grpc::DEADLINE_EXCEEDED), "DEADLINE_EXCEEDED");
  EXPECT_EQ(GrpcCodeName(grpc::RESOURCE_EXHAUSTED), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(GrpcCodeName(grpc::UNAUTHENTICATED), "UNAUTHENTICATED");
  // gRPC's and Abseil's codes share numbers and names, all 17 of them.
  for (int code = 0; code <= 16; ++code) {
    EXPECT_EQ(GrpcCodeName(static_cast<grpc::StatusCode>(code)),
              absl::StatusCodeToString(static_cast<absl::StatusCode>(code)))
        << code;
    EXPECT_NE(GrpcCodeName(static_cast<grpc::StatusCode>(code)), "") << code;
  }
  EXPECT_EQ(GrpcCodeName(static_cast<grpc::StatusCode>(17)), "UNKNOWN");
  EXPECT_EQ(GrpcCodeName(static_cast<grpc::StatusCode>(-1)), "UNKNOWN");
  EXPECT_EQ(GrpcCodeName(grpc::DO_NOT_USE), "UNKNOWN");
}

TEST(RequestIdTest, AcceptsSaneIdsOnly) {
  EXPECT_TRUE(IsWellFormedRequestId("front-desk-42"));
  EXPECT_TRUE(IsWellFormedRequestId(std::string(128, 'a')));
  EXPECT_TRUE(IsWellFormedRequestId("!~"));
  EXPECT_FALSE(IsWellFormedRequestId(""));
  EXPECT_FALSE(IsWellFormedRequestId(std::string(129, 'a')));
  EXPECT_FALSE(IsWellFormedRequestId("has space"));
  EXPECT_FALSE(IsWellFormedRequestId("line\nbreak"));
  EXPECT_FALSE(IsWellFormedRequestId(std::string("nul\0byte", 8)));
  EXPECT_FALSE(IsWellFormedRequestId("del\x7f"));
  EXPECT_FALSE(IsWellFormedRequestId("caf\xc3\xa9"));
  // The server makes ids of the same syntax when a caller sends none.
  EXPECT_TRUE(IsWellFormedRequestId(server::NewRequestId()));
  const std::string id = server::NewRequestId();
  EXPECT_THAT(id, SizeIs(32));
  EXPECT_NE(id, server::NewRequestId());
  // The first 12 hex digits are the time in milliseconds, so an id made
  // later sorts later (the audit trail's request index grows at its end).
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const std::string later = server::NewRequestId();
  EXPECT_LT(id, later);
  const int64_t made_ms = std::stoll(later.substr(0, 12), nullptr, 16);
  EXPECT_NEAR(static_cast<double>(made_ms), static_cast<double>(absl::ToUnixMillis(absl::Now())),
              60000.0);
}

TEST(WorkPoolTest, RunsEverythingQueuedAndRefusesBeyondItsBound) {
  std::mutex mutex;
  std::condition_variable released;
  bool release = false;
  std::atomic<int> ran{0};
  {
    server::WorkPool pool(1, /*max_queued=*/2);
    // The one thread blocks on the first item; two more fit in the queue.
    bool started = false;
    ASSERT_TRUE(pool.Submit([&] {
      std::unique_lock<std::mutex> lock(mutex);
      started = true;
      released.notify_all();
      released.wait(lock, [&] { return release; });
      ++ran;
    }));
    {
      std::unique_lock<std::mutex> lock(mutex);
      released.wait(lock, [&] { return started; });
    }
    ASSERT_TRUE(pool.Submit([&] { ++ran; }));
    ASSERT_TRUE(pool.Submit([&] { ++ran; }));
    EXPECT_FALSE(pool.Submit([&] { ++ran; }));
    {
      std::lock_guard<std::mutex> lock(mutex);
      release = true;
    }
    released.notify_all();
  }  // The destructor finishes what was queued.
  EXPECT_EQ(ran.load(), 3);
}

// Threads start only when work finds none free, and never beyond the pool's
// size.
TEST(WorkPoolTest, StartsThreadsAsWorkNeedsThemUpToItsSize) {
  std::mutex mutex;
  std::condition_variable changed;
  int running = 0;
  bool release = false;
  std::atomic<int> ran{0};
  const auto blocking = [&] {
    std::unique_lock<std::mutex> lock(mutex);
    ++running;
    changed.notify_all();
    changed.wait(lock, [&] { return release; });
    ++ran;
  };
  const auto await_running = [&](int count) {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return running == count; });
  };
  {
    server::WorkPool pool(3, /*max_queued=*/8);
    EXPECT_EQ(pool.threads(), 0u);
    ASSERT_TRUE(pool.Submit(blocking));
    await_running(1);
    EXPECT_EQ(pool.threads(), 1u);
    // Work that finds every thread busy starts one more, up to three.
    ASSERT_TRUE(pool.Submit(blocking));
    await_running(2);
    ASSERT_TRUE(pool.Submit(blocking));
    await_running(3);
    EXPECT_EQ(pool.threads(), 3u);
    ASSERT_TRUE(pool.Submit([&] { ++ran; }));
    EXPECT_EQ(pool.threads(), 3u);
    EXPECT_EQ(pool.queued(), 1u);
    {
      std::lock_guard<std::mutex> lock(mutex);
      release = true;
    }
    changed.notify_all();
  }
  EXPECT_EQ(ran.load(), 4);
}

// Threads carry names an operator can read in `top -H`: a pool's threads
// the name it was given, cut to what Linux keeps without splitting a
// character.
TEST(ThreadNameTest, PoolThreadsCarryTheirPoolsName) {
  std::string seen;
  {
    server::WorkPool pool(/*threads=*/1, /*max_queued=*/4, "ClientRecords");
    std::mutex mutex;
    std::condition_variable done;
    bool ran = false;
    ASSERT_TRUE(pool.Submit([&] {
      std::lock_guard<std::mutex> lock(mutex);
      seen = ThisThreadName();
      ran = true;
      done.notify_all();
    }));
    std::unique_lock<std::mutex> lock(mutex);
    done.wait(lock, [&] { return ran; });
  }
  EXPECT_EQ(seen, "ClientRecords");
}

TEST(ThreadNameTest, LongNamesAreCutAtACharacterAndDatabasesTagged) {
  std::string long_name;
  std::string non_ascii;
  std::thread([&] {
    NameThisThread("outbox:client_records");
    long_name = ThisThreadName();
    NameThisThread("wr:aaaaaaaaaaa\xc3\xa9x");  // the \xc3\xa9 takes bytes 15 and 16
    non_ascii = ThisThreadName();
  }).join();
  EXPECT_EQ(long_name, "outbox:client_r");
  EXPECT_EQ(non_ascii, "wr:aaaaaaaaaaa");
  EXPECT_EQ(DatabaseTag("/srv/clinic/data/client_records.db"), "client_records");
  EXPECT_EQ(DatabaseTag("audit.db"), "audit");
  EXPECT_EQ(DatabaseTag("/data/ledger"), "ledger");
}

TEST(LogTest, EscapesJson) {
  EXPECT_EQ(JsonEscape("a\"b\\c\nd\x01"), "a\\\"b\\\\c\\nd\\u0001");
  LogField number("n", 3);
  EXPECT_EQ(number.json_value(), "3");
  LogField text("t", "O'Brien \"Zoë\"");
  EXPECT_EQ(text.json_value(), "\"O'Brien \\\"Zoë\\\"\"");
}

}  // namespace
}  // namespace clinic
