// clinicctl's client and chart commands as a shell script runs them, against
// a real clinicd: registering a client (and the duplicate warning), finding
// by phone, changing and archiving, medical history versions, consents,
// a screening answered on stdin and saved for `screen`, a treatment refused
// with its reason, a service principal's token written to a file, and the
// audit trail read by request id from several addresses at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clinic/v1/access.pb.h"
#include "clinic/v1/clients.pb.h"
#include "clinic/v1/screening.pb.h"
#include "tests/integration/clinicctl_fixture.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using clinic::testing::Lines;
using clinic::testing::Printed;
using clinic::testing::Ran;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kSoho[] = "london-soho";

// The request id a write command said it sent.
std::string RequestIdOf(const Ran& ran) {
  const size_t at = ran.err.find("request_id ");
  if (at == std::string::npos) return "";
  const size_t start = at + 11;
  return ran.err.substr(start, ran.err.find('\n', start) - start);
}

class ClinicctlChartTest : public clinic::testing::ClinicctlTest {
 protected:
  void SetUp() override {
    ClinicctlTest::SetUp();
    nurse_ = Principal("staff/nurse", "practitioner@london-soho");
  }

  std::string NewClient(const std::string& given) {
    const Ran created = Run(nurse_, {"create-client", kSoho, given, "Lovelace", "1990-12-10",
                                     "--phone=+447700900123", "--fitzpatrick=ii"});
    EXPECT_EQ(created.code, 0) << created.err;
    return Printed<v1::CreateClientResponse>(created).client().name();
  }

  std::string nurse_;
};

TEST_F(ClinicctlChartTest, RegistersFindsChangesAndArchivesAClient) {
  const std::string client = NewClient("Ada");
  ASSERT_THAT(client, StartsWith("clients/"));
  // The same person again: registered, with a warning naming the first.
  const Ran twin = Run(
      nurse_, {"create-client", kSoho, "Ada", "Lovelace", "1990-12-10", "--phone=+447700900123"});
  ASSERT_EQ(twin.code, 0) << twin.err;
  EXPECT_THAT(twin.err, HasSubstr("may be the same person as " + client));

  const Ran found = Run(nurse_, {"search-clients", "--phone=+447700900123"});
  ASSERT_EQ(found.code, 0) << found.err;
  EXPECT_THAT(found.out, HasSubstr(client));
  EXPECT_EQ(Run(nurse_, {"search-clients"}).code, 2) << "nothing to search by";

  const Ran changed =
      Run(nurse_, {"update-client", client, "--email=ada@example.org", "--preferred-name=Ada L."});
  ASSERT_EQ(changed.code, 0) << changed.err;
  const v1::Client updated = Printed<v1::Client>(changed);
  EXPECT_EQ(updated.email(), "ada@example.org");
  EXPECT_EQ(updated.preferred_name(), "Ada L.");
  EXPECT_EQ(updated.phone(), "+447700900123") << "fields not named stay";
  const Ran nothing = Run(nurse_, {"update-client", client});
  EXPECT_EQ(nothing.code, 2);
  EXPECT_THAT(nothing.err, HasSubstr("name at least one field"));
  const Ran bad = Run(nurse_, {"update-client", client, "--email=not an address"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_THAT(bad.err, HasSubstr("INVALID_ARGUMENT"));

  const Ran archived = Run(nurse_, {"archive-client", client, "moved abroad"});
  ASSERT_EQ(archived.code, 0) << archived.err;
  EXPECT_EQ(Printed<v1::Client>(archived).state(), v1::CLIENT_STATE_ARCHIVED);
  const Ran restored = Run(nurse_, {"restore-client", client});
  ASSERT_EQ(restored.code, 0) << restored.err;
  EXPECT_EQ(Printed<v1::Client>(restored).state(), v1::CLIENT_STATE_ACTIVE);
}

TEST_F(ClinicctlChartTest, KeepsHistoryVersionsAndConsents) {
  const std::string client = NewClient("Grace");
  const std::string history = dir_.Join("history.textproto");
  clinic::testing::WriteFile(history,
                             "facts { fact: KELOID_SCARRING_TENDENCY present: false }\n"
                             "notes: \"No known allergies.\"\n");
  const Ran first = Run(nurse_, {"update-history", client, history});
  ASSERT_EQ(first.code, 0) << first.err;
  EXPECT_EQ(Printed<v1::MedicalHistory>(first).version(), 1);
  clinic::testing::WriteFile(history, "facts { fact: PREGNANT present: true }\n");
  const Ran second = Run(nurse_, {"update-history", client, history});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(Printed<v1::MedicalHistory>(second).version(), 2);
  const Ran earlier = Run(nurse_, {"history", client, "--version=1"});
  ASSERT_EQ(earlier.code, 0) << earlier.err;
  EXPECT_EQ(Printed<v1::MedicalHistory>(earlier).notes(), "No known allergies.");
  const Ran versions = Run(nurse_, {"history-versions", client});
  ASSERT_EQ(versions.code, 0) << versions.err;
  EXPECT_THAT(Lines(versions.out), ElementsAre(StartsWith("2\t"), StartsWith("1\t")));
  clinic::testing::WriteFile(history, "facts { fact: NOT_A_FACT }\n");
  EXPECT_EQ(Run(nurse_, {"update-history", client, history}).code, 2);

  const Ran consent =
      Run(nurse_, {"consent", client, "microneedling", "2026-01", "--site=london-soho"});
  ASSERT_EQ(consent.code, 0) << consent.err;
  const std::string name = Printed<v1::Consent>(consent).name();
  const Ran withdrawn = Run(nurse_, {"withdraw-consent", name, "changed her mind"});
  ASSERT_EQ(withdrawn.code, 0) << withdrawn.err;
  const Ran consents = Run(nurse_, {"consents", client});
  ASSERT_EQ(consents.code, 0) << consents.err;
  EXPECT_THAT(Lines(consents.out),
              ElementsAre(AllOf(StartsWith(name + "\tmicroneedling\t2026-01\twithdrawn\t"),
                                HasSubstr("\tlondon-soho"))));
  // A treatment is refused, with the reason, and nothing is charted.
  const Ran treated = Run(nurse_, {"treat", client, "microneedling", "cheeks:1000",
                                   "--site=london-soho", "--uses=face_36_42"});
  EXPECT_EQ(treated.code, 1);
  EXPECT_THAT(treated.err, HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(treated.err, HasSubstr("reason: NOT_ELIGIBLE"));
  EXPECT_EQ(Run(nurse_, {"treatments", client}).out, "");
  EXPECT_EQ(Run(nurse_, {"treat", client, "microneedling", "cheeks", "--site=london-soho",
                         "--uses=face_36_42"})
                .code,
            2)
      << "an area without its depth";
}

TEST_F(ClinicctlChartTest, AnswersAScreeningOnStdinAndSavesItForScreen) {
  const std::string client = NewClient("Mary");
  const std::string saved = dir_.Join("screening.textproto");
  const Ran screened = Run(nurse_,
                           {"screen-interactive", client, "microneedling", "--site=london-soho",
                            "--areas=cheeks", "--yes", "--save=" + saved},
                           clinic::testing::SourcePath("deploy/demo/microneedling-answers.txt"));
  ASSERT_EQ(screened.code, 0) << screened.err;
  EXPECT_EQ(Printed<v1::ScreeningRecord>(screened).state(), v1::SCREENING_STATE_CLEARED);
  EXPECT_THAT(screened.err, HasSubstr("[1/30] "));
  // The saved answers submit again as they are.
  const Ran again = Run(nurse_, {"screen", client, saved});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(Printed<v1::ScreeningRecord>(again).state(), v1::SCREENING_STATE_CLEARED);
  EXPECT_THAT(Lines(Run(nurse_, {"screenings", client}).out), SizeIs(2));

  // Answers that fit no question end the run rather than loop.
  const std::string nonsense = dir_.Join("nonsense.txt");
  clinic::testing::WriteFile(nonsense, "maybe\nmaybe\nmaybe\nmaybe\nmaybe\n");
  const Ran refused = Run(nurse_,
                          {"screen-interactive", client, "microneedling", "--site=london-soho",
                           "--areas=cheeks", "--yes"},
                          nonsense);
  EXPECT_EQ(refused.code, 2);
  EXPECT_THAT(refused.err, HasSubstr("no usable answer to question active_skin_infection"));
  EXPECT_EQ(Run(nurse_, {"screen-interactive", client, "microneedling"}).code, 2)
      << "--site is required";
}

TEST_F(ClinicctlChartTest, WritesAServiceTokenAndReadsTrailsByRequestId) {
  const std::string file = dir_.Join("tokens-screening.token");
  const Ran made = Run(admin_, {"service-token", "service/screening", file});
  ASSERT_EQ(made.code, 0) << made.err;
  EXPECT_THAT(made.err, HasSubstr("created service/screening with the service role"));
  EXPECT_THAT(made.out, Not(HasSubstr("clk_"))) << "the secret goes only to the file";
  struct stat info {};
  ASSERT_EQ(stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  const Ran who = Run(file, {"whoami"});
  ASSERT_EQ(who.code, 0) << who.err;
  EXPECT_EQ(Printed<v1::WhoAmIResponse>(who).principal(), "service/screening");
  // A principal without the service role is not given a token for it.
  Principal("service/odd", "auditor");
  const Ran odd = Run(admin_, {"service-token", "service/odd", dir_.Join("odd.token")});
  EXPECT_EQ(odd.code, 1);
  EXPECT_THAT(odd.err, HasSubstr("without the service role"));

  // The request id a write printed finds its events; with two addresses
  // (here the same process twice) each line says which it came from.
  const Ran created = Run(nurse_, {"create-client", kSoho, "Emmy", "Noether", "1982-03-23"});
  ASSERT_EQ(created.code, 0) << created.err;
  const std::string request_id = RequestIdOf(created);
  ASSERT_THAT(request_id, StartsWith("clinicctl-"));
  const Ran events = Run(admin_, {"audit-events", "--trace=" + request_id});
  ASSERT_EQ(events.code, 0) << events.err;
  ASSERT_THAT(Lines(events.out), SizeIs(1));
  EXPECT_THAT(events.out, HasSubstr("/clinic.v1.ClientRecords/CreateClient"));
  EXPECT_THAT(events.out, HasSubstr("\t" + request_id + "\n"));
  const std::string both = absl::StrCat("--server=127.0.0.1:", port_, ",127.0.0.1:", port_);
  const Ran merged = clinic::testing::Clinicctl(
      {both, "--token_file=" + admin_, "audit-events", "--trace=" + request_id});
  ASSERT_EQ(merged.code, 0) << merged.err;
  EXPECT_THAT(Lines(merged.out), ElementsAre(StartsWith(absl::StrCat("127.0.0.1:", port_, "\t")),
                                             StartsWith(absl::StrCat("127.0.0.1:", port_, "\t"))));
  const Ran verified = clinic::testing::Clinicctl({both, "--token_file=" + admin_, "verify-audit"});
  ASSERT_EQ(verified.code, 0) << verified.err;
  EXPECT_THAT(Lines(verified.out), ElementsAre(HasSubstr("\tintact\t"), HasSubstr("\tintact\t")));
  // Other commands talk to one process.
  const Ran one = clinic::testing::Clinicctl({both, "--token_file=" + admin_, "whoami"});
  EXPECT_EQ(one.code, 2);
  EXPECT_THAT(one.err, HasSubstr("only audit-events and verify-audit"));
}

}  // namespace
}  // namespace clinic
