// clinicctl's stock commands as a shell script runs them: a real clinicd
// started from the sample config (two sites) and the clinicctl binary run
// once per step, with tokens for an inventory clerk and a practitioner that
// the first admin makes with clinicctl itself. Covers a product made from a
// file, receipts at two sites, a transfer, consumption by product and by a
// treatment's requirement, a count, an adjustment by a negative number,
// quarantine and release, a reorder point, a recall seen by watch-alerts as
// it happens and traced to the client, --json output, help, and the exit
// statuses of a wrong command line (2) and a refused call (1). A second test
// checks that watch-alerts resumes after the last alert when a stream ends
// at its age limit.
#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "clinic/v1/inventory.grpc.pb.h"
#include "common/core/status.h"
#include "common/server/event_stream.h"
#include "common/server/stream_reactor.h"
#include "tests/integration/clinicctl_fixture.h"
#include "tests/testing/process.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using clinic::testing::Clinicctl;
using clinic::testing::Lines;
using clinic::testing::Printed;
using clinic::testing::Process;
using clinic::testing::Ran;
using clinic::testing::WaitUntil;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kSoho[] = "london-soho";
constexpr char kNewYork[] = "new-york-soho";

std::string NextYear() {
  return absl::StrCat(absl::ToCivilYear(absl::Now(), absl::UTCTimeZone()).year() + 1);
}

class ClinicctlStockTest : public clinic::testing::ClinicctlTest {
 protected:
  void SetUp() override {
    ClinicctlTest::SetUp();
    clerk_ = Principal("staff/stock", "inventory_clerk");
    nurse_ = Principal("staff/nurse", "practitioner");
  }

  // watch-alerts as a child process, once its stream is open.
  std::unique_ptr<Process> Watch(const clinic::testing::TempDir& logs,
                                 const std::vector<std::string>& args) {
    std::vector<std::string> argv = {clinic::testing::BinaryPath("clinicctl"), address_,
                                     "--token_file=" + clerk_, "watch-alerts"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto watcher = std::make_unique<Process>(argv, logs.path());
    EXPECT_TRUE(
        WaitUntil([&] { return watcher->Stderr().find("watching alerts") != std::string::npos; },
                  std::chrono::seconds(15)))
        << watcher->Stderr();
    return watcher;
  }

  std::string clerk_, nurse_;
};

TEST_F(ClinicctlStockTest, DrivesTheStockPathFromTheShell) {
  // A 36-needle, 2.5 mm cartridge, from a file.
  const std::string product_file = dir_.Join("cartridge.textproto");
  clinic::testing::WriteFile(product_file, R"(
display_name: "Dermapen 4 cartridge, 36 needles"
manufacturer: "Dermapen World"
model: "DP4-36"
kind: CONSUMABLE_KIND_NEEDLE_CARTRIDGE
cartridge { needles { needle_count: 36 } needle_length_um: 2500 compatible_devices: "Dermapen 4" }
)");
  const Ran created = Run(clerk_, {"create-product", product_file});
  ASSERT_EQ(created.code, 0) << created.err;
  EXPECT_THAT(created.err, HasSubstr("request_id clinicctl-"));
  const std::string product = Printed<v1::Product>(created).name();
  ASSERT_THAT(product, StartsWith("products/"));
  {
    const Ran listed = Run(nurse_, {"products", "--kind=needle_cartridge"});
    ASSERT_EQ(listed.code, 0) << listed.err;
    EXPECT_THAT(Lines(listed.out),
                ElementsAre(absl::StrCat(product,
                                         "\tneedle_cartridge\tDermapen 4 cartridge, 36 needles\t"
                                         "Dermapen World\t36 needles, 2500 um")));
  }

  // Deliveries at both sites, of one lot.
  const std::string expiry = NextYear() + "-06-30";
  const Ran received = Run(clerk_, {"receive", kSoho, product, "L2409-117", expiry, "10",
                                    "--supplier=MedSupply", "--delivery_note=DN-77"});
  ASSERT_EQ(received.code, 0) << received.err;
  const v1::Movement receipt = Printed<v1::Movement>(received);
  EXPECT_EQ(receipt.type(), v1::MOVEMENT_TYPE_RECEIVE);
  EXPECT_EQ(receipt.balance_after().usable(), 10);
  const std::string lot = receipt.lot();
  ASSERT_THAT(lot, StartsWith(product + "/lots/"));
  ASSERT_EQ(
      Run(clerk_, {"receive", kNewYork, product, "L2409-117", expiry, "5", "--supplier=MedSupply"})
          .code,
      0);
  // Soho reorders below 5 units.
  ASSERT_EQ(Run(clerk_, {"set-reorder", kSoho, product, "5", "10"}).code, 0);
  {
    const Ran lots = Run(clerk_, {"lots", product});
    ASSERT_EQ(lots.code, 0) << lots.err;
    EXPECT_THAT(Lines(lots.out), ElementsAre(absl::StrCat(lot, "\tL2409-117\t", expiry)));
    const Ran stock = Run(clerk_, {"stock"});
    ASSERT_EQ(stock.code, 0) << stock.err;
    EXPECT_THAT(
        Lines(stock.out),
        ElementsAre(
            absl::StrCat(kSoho, "\t", lot, "\tDermapen 4 cartridge, 36 needles\tL2409-117\t",
                         expiry, "\tusable=10\tquarantined=0\trecalled=0"),
            absl::StrCat(kNewYork, "\t", lot, "\tDermapen 4 cartridge, 36 needles\tL2409-117\t",
                         expiry, "\tusable=5\tquarantined=0\trecalled=0")));
  }

  // Three units to New York, usable there once received.
  const Ran sent = Run(clerk_, {"transfer", kSoho, kNewYork, lot + "=3", "--note=for Saturday"});
  ASSERT_EQ(sent.code, 0) << sent.err;
  const v1::Transfer transfer = Printed<v1::Transfer>(sent);
  EXPECT_EQ(transfer.state(), v1::TRANSFER_STATE_IN_TRANSIT);
  {
    const Ran transfers = Run(clerk_, {"transfers", kNewYork});
    ASSERT_EQ(transfers.code, 0) << transfers.err;
    ASSERT_THAT(Lines(transfers.out), SizeIs(1));
    EXPECT_THAT(transfers.out, StartsWith(absl::StrCat(transfer.name(), "\t", kSoho, "\t", kNewYork,
                                                       "\tin_transit\t")));
    EXPECT_THAT(transfers.out, HasSubstr(lot + "=3\n"));
  }
  const Ran arrived = Run(clerk_, {"receive-transfer", transfer.name(), kNewYork});
  ASSERT_EQ(arrived.code, 0) << arrived.err;
  EXPECT_EQ(Printed<v1::Transfer>(arrived).state(), v1::TRANSFER_STATE_RECEIVED);
  {
    const Ran stock = Run(clerk_, {"stock", kNewYork, "--product=" + product});
    ASSERT_EQ(stock.code, 0) << stock.err;
    EXPECT_THAT(stock.out, HasSubstr("\tusable=8\t"));
    // Recalled lots leave this list, so it is read now.
    const Ran expiring = Run(clerk_, {"expiring", kNewYork, "--within_days=730"});
    ASSERT_EQ(expiring.code, 0) << expiring.err;
    EXPECT_THAT(Lines(expiring.out),
                ElementsAre(absl::StrCat(kNewYork, "\t", lot,
                                         "\tDermapen 4 cartridge, 36 needles\tL2409-117\t", expiry,
                                         "\tusable=8\tquarantined=0\trecalled=0")));
  }

  // A practitioner consumes one unit by product and one by the plugin's
  // requirement (a 36- or 42-needle cartridge of at least 2000 um).
  const std::string client = "clients/01J9ZS3B7QW5H8M2V4K6N0PXYC";
  {
    const Ran consumed =
        Run(nurse_, {"consume", kSoho, product, client, "session 1", "--quantity=1"});
    ASSERT_EQ(consumed.code, 0) << consumed.err;
    const v1::Consumption consumption = Printed<v1::Consumption>(consumed);
    ASSERT_THAT(consumption.allocations(), SizeIs(1));
    EXPECT_EQ(consumption.allocations(0).lot(), lot);
  }
  {
    const Ran consumed = Run(nurse_, {"consume", kSoho, "microneedling:face_36_42", client,
                                      "session 2", "--device=Dermapen 4"});
    ASSERT_EQ(consumed.code, 0) << consumed.err;
    const v1::Consumption consumption = Printed<v1::Consumption>(consumed);
    EXPECT_EQ(consumption.requirement().requirement_id(), "face_36_42");
    ASSERT_THAT(consumption.allocations(), SizeIs(1));
    EXPECT_EQ(consumption.allocations(0).lot(), lot);
    EXPECT_TRUE(consumption.lot_required());
  }

  // 10 - 3 - 2 leaves 5; the shelf has 4.
  {
    const Ran counted = Run(clerk_, {"count", kSoho, lot + "=4", "--note=Monday count"});
    ASSERT_EQ(counted.code, 0) << counted.err;
    const v1::StockCount count = Printed<v1::StockCount>(counted);
    ASSERT_THAT(count.adjustments(), SizeIs(1));
    EXPECT_EQ(count.adjustments(0).quantity(), -1);
    EXPECT_EQ(count.adjustments(0).balance_after().usable(), 4);
  }
  {
    // A negative change is an argument, not a flag.
    const Ran adjusted = Run(clerk_, {"adjust", kSoho, lot, "-1", "damaged", "--note=torn"});
    ASSERT_EQ(adjusted.code, 0) << adjusted.err;
    const v1::Movement movement = Printed<v1::Movement>(adjusted);
    EXPECT_EQ(movement.adjustment_reason(), v1::ADJUSTMENT_REASON_DAMAGED);
    EXPECT_EQ(movement.balance_after().usable(), 3);
  }
  {
    const Ran set_aside = Run(clerk_, {"quarantine", kSoho, lot, "2", "seal looks broken"});
    ASSERT_EQ(set_aside.code, 0) << set_aside.err;
    EXPECT_EQ(Printed<v1::Movement>(set_aside).balance_after().quarantined(), 2);
    const Ran released = Run(clerk_, {"release", kSoho, lot, "1", "seal intact"});
    ASSERT_EQ(released.code, 0) << released.err;
    const v1::StockBalance after = Printed<v1::Movement>(released).balance_after();
    EXPECT_EQ(after.usable(), 2);
    EXPECT_EQ(after.quarantined(), 1);
  }
  {
    const Ran consumptions = Run(clerk_, {"movements", kSoho, "--type=consume"});
    ASSERT_EQ(consumptions.code, 0) << consumptions.err;
    const std::vector<std::string> lines = Lines(consumptions.out);
    ASSERT_THAT(lines, SizeIs(2));
    EXPECT_THAT(lines[0], HasSubstr(absl::StrCat("\tconsume\t", lot, "\t1\t")));
    EXPECT_THAT(lines[0], HasSubstr(client + "; session 2"));
  }

  // Below the reorder point since the count (which raised a low-stock alert).
  {
    const Ran low = Run(clerk_, {"low-stock", kSoho});
    ASSERT_EQ(low.code, 0) << low.err;
    EXPECT_THAT(Lines(low.out),
                ElementsAre(absl::StrCat(kSoho, "\t", product,
                                         "\tDermapen 4 cartridge, 36 needles\tusable=2\t"
                                         "reorder_point=5\treorder_quantity=10")));
  }

  // The recall, seen by a watcher as it happens (and not the earlier
  // low-stock alert).
  int64_t recall_event = 0;
  {
    clinic::testing::TempDir logs;
    std::unique_ptr<Process> watcher = Watch(logs, {kSoho, "--after=0"});
    const Ran recalled = Run(clerk_, {"recall", lot, "Sterility not assured, notice FSN-2026-14"});
    ASSERT_EQ(recalled.code, 0) << recalled.err;
    const v1::Recall recall = Printed<v1::Recall>(recalled);
    EXPECT_EQ(recall.consumed(), 2);
    EXPECT_THAT(recall.sites(), SizeIs(2));
    ASSERT_TRUE(WaitUntil([&] { return watcher->Stdout().find('\n') != std::string::npos; },
                          std::chrono::seconds(15)))
        << watcher->Stderr();
    const std::vector<std::string> columns = absl::StrSplit(Lines(watcher->Stdout())[0], '\t');
    ASSERT_THAT(columns, SizeIs(6));
    ASSERT_TRUE(absl::SimpleAtoi(columns[0], &recall_event)) << columns[0];
    EXPECT_EQ(columns[2], "recall");
    EXPECT_EQ(columns[3], kSoho);
    EXPECT_EQ(columns[4], lot);
    // Still watching: it ends only when stopped.
    watcher->Signal(SIGTERM);
    EXPECT_EQ(watcher->Wait(), -SIGTERM);
  }
  {
    // A script resumes from an earlier id and gets the same alert.
    ASSERT_GT(recall_event, 1);
    clinic::testing::TempDir logs;
    std::unique_ptr<Process> watcher =
        Watch(logs, {kSoho, absl::StrCat("--after=", recall_event - 1)});
    ASSERT_TRUE(WaitUntil([&] { return watcher->Stdout().find('\n') != std::string::npos; },
                          std::chrono::seconds(15)))
        << recall_event << watcher->Stderr();
    EXPECT_THAT(watcher->Stdout(), StartsWith(absl::StrCat(recall_event, "\t")));
    watcher->Signal(SIGTERM);
    watcher->Wait();
  }

  // The trace names the client, for a practitioner only.
  {
    const Ran trace = Run(nurse_, {"trace", lot});
    ASSERT_EQ(trace.code, 0) << trace.err;
    const std::vector<std::string> lines = Lines(trace.out);
    ASSERT_THAT(lines, SizeIs(2));
    EXPECT_THAT(lines[0], HasSubstr(absl::StrCat("\t", kSoho, "\t", client, "\t1\tsession 1")));
    EXPECT_THAT(lines[1], HasSubstr(absl::StrCat("\t", kSoho, "\t", client, "\t1\tsession 2")));
    const Ran refused = Run(clerk_, {"trace", lot});
    EXPECT_EQ(refused.code, 1);
    EXPECT_THAT(refused.err, HasSubstr("PERMISSION_DENIED"));
    const Ran client_lots = Run(nurse_, {"client-lots", client});
    ASSERT_EQ(client_lots.code, 0) << client_lots.err;
    EXPECT_THAT(Lines(client_lots.out), SizeIs(2));
  }
  {
    // Nothing usable is left: nothing is taken, and the reason is said.
    const Ran refused =
        Run(nurse_, {"consume", kSoho, product, client, "session 3", "--quantity=1"});
    EXPECT_EQ(refused.code, 1);
    EXPECT_THAT(refused.err, HasSubstr("error: FAILED_PRECONDITION: "));
    EXPECT_THAT(refused.err, HasSubstr("  reason: ALL_RECALLED_OR_QUARANTINED\n"));
    const Ran disposed = Run(clerk_, {"dispose", kSoho, lot, "3", "--note=returned, RMA 3321"});
    ASSERT_EQ(disposed.code, 0) << disposed.err;
    EXPECT_EQ(Printed<v1::Movement>(disposed).balance_after().recalled(), 0);
  }

  // --json: a get parses as its message, a list as one message per line.
  {
    const Ran got = Run(nurse_, {"--json", "product", product});
    ASSERT_EQ(got.code, 0) << got.err;
    v1::Product parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(got.out, &parsed).ok()) << got.out;
    EXPECT_EQ(parsed.name(), product);
    EXPECT_THAT(got.out, HasSubstr("\"display_name\""));
    const Ran listed = Run(clerk_, {"stock", "--json", "--include_empty"});
    ASSERT_EQ(listed.code, 0) << listed.err;
    const std::vector<std::string> lines = Lines(listed.out);
    ASSERT_THAT(lines, SizeIs(2));
    for (const std::string& line : lines) {
      v1::StockLevel level;
      ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &level).ok()) << line;
      EXPECT_EQ(level.lot(), lot);
    }
  }

  // Help, a wrong command line (2) and a refused call with its field (1).
  {
    const Ran help = Clinicctl({"help"});
    EXPECT_EQ(help.code, 0);
    EXPECT_THAT(help.out, HasSubstr("\n  receive-transfer transfers/ID SITE "));
    EXPECT_THAT(help.out, HasSubstr("\n  watch-alerts [SITE] [--after=ID] "));
    const Ran command_help = Clinicctl({"consume", "--help"});
    EXPECT_EQ(command_help.code, 0);
    EXPECT_THAT(command_help.out,
                StartsWith("usage: clinicctl consume SITE products/ID|TYPE:REQUIREMENT"));
    EXPECT_THAT(command_help.out, HasSubstr("\n  --device\n"));
    EXPECT_EQ(Clinicctl({"help", "count"}).out, Clinicctl({"count", "--help"}).out);
    const Ran short_of_args = Run(clerk_, {"receive", kSoho, product});
    EXPECT_EQ(short_of_args.code, 2);
    EXPECT_THAT(short_of_args.err, StartsWith("usage: clinicctl receive SITE products/ID"));
    const Ran past = Run(
        clerk_, {"receive", kSoho, product, "L-OLD", "2001-01-31", "1", "--supplier=MedSupply"});
    EXPECT_EQ(past.code, 1);
    EXPECT_THAT(past.err, HasSubstr("error: INVALID_ARGUMENT: "));
    EXPECT_THAT(past.err, HasSubstr("\n  expiry_date: is in the past"));
    const Ran bad_date = Run(
        clerk_, {"receive", kSoho, product, "L-OLD", "31/01/2030", "1", "--supplier=MedSupply"});
    EXPECT_EQ(bad_date.code, 2);
    EXPECT_THAT(bad_date.err, HasSubstr("is not a date written YYYY-MM-DD"));
  }
}

// Stands in for Inventory where the real server cannot be made to act in a
// test's time: it ends each stream the way the kit does after 30 minutes
// (UNAVAILABLE, reason STREAM_MAX_AGE), then, on the next, as a server that
// is stopping does. Each stream sends one alert, the one after the id asked
// for.
class AgeLimitedAlerts final : public v1::Inventory::Service {
 public:
  grpc::Status WatchAlerts(grpc::ServerContext* context, const v1::WatchAlertsRequest* request,
                           grpc::ServerWriter<v1::Alert>* writer) override {
    size_t streams = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      afters_.push_back(request->after_event_id());
      streams = afters_.size();
    }
    context->AddInitialMetadata(server::kStreamOpenKey, server::kStreamOpenValue);
    v1::Alert alert;
    alert.set_event_id(request->after_event_id() + 1);
    alert.set_kind(v1::ALERT_KIND_LOW_STOCK);
    alert.set_site_id(kSoho);
    alert.set_product("products/01J9ZS3B7QW5H8M2V4K6N0PXYC");
    alert.set_message("Usable units fell below the reorder point");
    writer->Write(alert);
    return ToGrpcStatus(streams == 1 ? server::internal::StreamMaxAge(absl::Minutes(30))
                                     : server::internal::ServerShuttingDown());
  }

  std::vector<int64_t> afters() {
    std::lock_guard<std::mutex> lock(mutex_);
    return afters_;
  }

 private:
  std::mutex mutex_;
  std::vector<int64_t> afters_;
};

TEST(ClinicctlWatchAlertsTest, ResumesAfterTheLastAlertWhenAStreamReachesItsAgeLimit) {
  AgeLimitedAlerts alerts;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&alerts);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_GT(port, 0);

  const Ran watched = Clinicctl({absl::StrCat("--server=127.0.0.1:", port),
                                 "--token_file=/dev/null", "watch-alerts", "--after=41"});
  // Reconnected once, after the alert it had; the second ending is an error.
  EXPECT_THAT(alerts.afters(), ElementsAre(41, 42));
  const std::vector<std::string> lines = Lines(watched.out);
  ASSERT_THAT(lines, SizeIs(2)) << watched.err;
  EXPECT_THAT(lines[0], StartsWith("42\t"));
  EXPECT_THAT(lines[1], StartsWith("43\t"));
  EXPECT_THAT(lines[1], HasSubstr("\tlow_stock\tlondon-soho\tproducts/"));
  EXPECT_EQ(watched.code, 1);
  EXPECT_THAT(watched.err, HasSubstr("error: UNAVAILABLE: the server is shutting down"));
  EXPECT_THAT(watched.err, HasSubstr("  reason: SERVER_SHUTTING_DOWN\n"));
  server->Shutdown();
}

}  // namespace
}  // namespace clinic
