// clinicctl's chart commands: a client's medical history, consents and
// treatment records, including recording a treatment (which screens,
// consumes stock and charges through the services behind ClientRecords).
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "clinic/v1/access.grpc.pb.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "clinic/v1/treatment_catalog.grpc.pb.h"
#include "common/core/time.h"
#include "tools/clinicctl/clinicctl_common.h"

ABSL_FLAG(int, version, 0, "history: an earlier version to show; 0 for the current one.");
ABSL_FLAG(std::string, witness, "", "consent: who witnessed the signature, e.g. staff/ana.");
ABSL_FLAG(std::string, uses, "",
          "treat: what was used, comma-separated, each REQUIREMENT[@lots/ID][:QUANTITY]: a "
          "cartridge or consumable requirement of the treatment type, the lot scanned at the "
          "chair (optional: Inventory takes the first-expiring lot that fits) and the units "
          "(default the requirement's quantity per session). Required.");
ABSL_FLAG(std::string, notes, "", "treat: the practitioner's notes.");
ABSL_FLAG(std::string, practitioner, "",
          "treat: who performed it, e.g. staff/ana. Default: whoever the token belongs to.");
ABSL_FLAG(std::string, perform_time, "", "treat: when it was performed, RFC 3339. Default: now.");
ABSL_FLAG(std::string, override_interval, "",
          "treat: why the course interval is overridden; needs the override permission.");

namespace clinic::clinicctl {
namespace {

std::unique_ptr<v1::ClientRecords::Stub> Clients() { return v1::ClientRecords::NewStub(Channel()); }

std::string HistoryName(const std::string& client) { return client + "/medicalHistory"; }

template <typename Message>
bool ParseFile(const std::string& path, Message* out) {
  const std::string text = ReadFileOrEmpty(path);
  if (text.empty() || !google::protobuf::TextFormat::ParseFromString(text, out)) {
    std::fprintf(stderr, "error: %s is not a text-format %s\n", path.c_str(),
                 out->GetDescriptor()->full_name().c_str());
    return false;
  }
  return true;
}

int History(const std::vector<std::string>& args) {
  v1::GetMedicalHistoryRequest request;
  request.set_name(HistoryName(args[0]));
  request.set_version(absl::GetFlag(FLAGS_version));
  v1::MedicalHistory response;
  return Print(Clients()->GetMedicalHistory(Context().get(), request, &response), response);
}

int HistoryVersions(const std::vector<std::string>& args) {
  v1::ListMedicalHistoryVersionsRequest request;
  request.set_name(HistoryName(args[0]));
  return ForEachPage(*Clients(), &v1::ClientRecords::Stub::ListMedicalHistoryVersions, request,
                     [](const v1::ListMedicalHistoryVersionsResponse& page) {
                       for (const auto& item : page.versions()) {
                         PrintRow(item,
                                  {absl::StrCat(item.version()), FormatTime(item.record_time()),
                                   item.recorded_by(), absl::StrCat(item.facts_size(), " facts")});
                       }
                     });
}

int UpdateHistory(const std::vector<std::string>& args) {
  v1::UpdateMedicalHistoryRequest request;
  v1::MedicalHistory& history = *request.mutable_medical_history();
  if (!ParseFile(args[1], &history)) return kBadUsage;
  history.set_name(HistoryName(args[0]));
  auto stub = Clients();
  // The new version is based on the current one unless the file names the
  // version it was written against.
  if (history.etag().empty()) {
    v1::GetMedicalHistoryRequest get;
    get.set_name(history.name());
    v1::MedicalHistory current;
    const grpc::Status status = stub->GetMedicalHistory(Context().get(), get, &current);
    if (status.ok()) {
      history.set_etag(current.etag());
    } else if (status.error_code() != grpc::StatusCode::NOT_FOUND) {
      return PrintError(status);
    }
  }
  request.set_request_id(RequestId());
  v1::MedicalHistory response;
  return Print(stub->UpdateMedicalHistory(Context().get(), request, &response), response);
}

int Consents(const std::vector<std::string>& args) {
  v1::ListConsentsRequest request;
  request.set_parent(args[0]);
  return ForEachPage(
      *Clients(), &v1::ClientRecords::Stub::ListConsents, request,
      [](const v1::ListConsentsResponse& page) {
        for (const auto& item : page.consents()) {
          PrintRow(item, {item.name(), item.treatment_type_id(), item.form_version(),
                          Label(item.state()), FormatTime(item.sign_time()), item.site_id()});
        }
      });
}

int RecordConsent(const std::vector<std::string>& args) {
  v1::RecordConsentRequest request;
  request.set_parent(args[0]);
  v1::Consent& consent = *request.mutable_consent();
  consent.set_treatment_type_id(args[1]);
  consent.set_form_version(args[2]);
  consent.set_site_id(absl::GetFlag(FLAGS_site));
  consent.set_witness(absl::GetFlag(FLAGS_witness));
  *consent.mutable_sign_time() = ToTimestamp(absl::Now());
  request.set_request_id(RequestId());
  v1::Consent response;
  return Print(Clients()->RecordConsent(Context().get(), request, &response), response);
}

int WithdrawConsent(const std::vector<std::string>& args) {
  v1::WithdrawConsentRequest request;
  request.set_name(args[0]);
  request.set_reason(args[1]);
  request.set_request_id(RequestId());
  v1::Consent response;
  return Print(Clients()->WithdrawConsent(Context().get(), request, &response), response);
}

// "cheeks:1000" or "cheeks:1000:2" into a treated area; passes 0 when not
// given.
bool ParseArea(const std::string& text, v1::TreatedArea* out) {
  const std::vector<std::string> parts = absl::StrSplit(text, ':');
  int depth = 0, passes = 0;
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() ||
      !absl::SimpleAtoi(parts[1], &depth) ||
      (parts.size() == 3 && !absl::SimpleAtoi(parts[2], &passes))) {
    std::fprintf(stderr,
                 "error: %s is not AREA:DEPTH_UM[:PASSES], e.g. cheeks:1000 or forehead:500:2\n",
                 text.c_str());
    return false;
  }
  out->set_area_id(parts[0]);
  out->set_needle_depth_um(depth);
  out->set_passes(passes);
  return true;
}

// "face_36_42@lots/01J...:1" into a use.
bool ParseUse(const std::string& text, v1::ConsumableUse* out) {
  std::string rest = text;
  const size_t colon = rest.rfind(':');
  if (colon != std::string::npos) {
    int quantity = 0;
    if (!absl::SimpleAtoi(rest.substr(colon + 1), &quantity) || quantity <= 0) {
      std::fprintf(stderr, "error: --uses: the quantity in %s is not a positive number\n",
                   text.c_str());
      return false;
    }
    out->set_quantity(quantity);
    rest.resize(colon);
  }
  const size_t at = rest.find('@');
  if (at != std::string::npos) {
    out->set_lot(rest.substr(at + 1));
    rest.resize(at);
  }
  if (rest.empty()) {
    std::fprintf(stderr, "error: --uses: %s names no requirement\n", text.c_str());
    return false;
  }
  out->set_requirement_id(rest);
  return true;
}

int Treat(const std::vector<std::string>& args) {
  v1::CreateTreatmentRecordRequest request;
  request.set_parent(args[0]);
  v1::TreatmentRecord& record = *request.mutable_treatment_record();
  record.set_treatment_type_id(args[1]);
  record.set_site_id(absl::GetFlag(FLAGS_site));
  for (size_t i = 2; i < args.size(); ++i) {
    if (!ParseArea(args[i], record.add_areas())) return kBadUsage;
  }
  for (const absl::string_view use :
       absl::StrSplit(absl::GetFlag(FLAGS_uses), ',', absl::SkipWhitespace())) {
    if (!ParseUse(std::string(use), record.add_consumables())) return kBadUsage;
  }
  // Areas given without passes get the fewest the protocol allows there.
  if (std::any_of(record.areas().begin(), record.areas().end(),
                  [](const v1::TreatedArea& area) { return area.passes() == 0; })) {
    v1::GetTreatmentTypeRequest get;
    get.set_name("treatmentTypes/" + args[1]);
    v1::TreatmentType type;
    const grpc::Status status =
        v1::TreatmentCatalog::NewStub(Channel())->GetTreatmentType(Context().get(), get, &type);
    if (!status.ok()) return PrintError(status);
    for (v1::TreatedArea& treated : *record.mutable_areas()) {
      for (const v1::TreatmentArea& area : type.definition().protocol().areas()) {
        if (treated.passes() == 0 && area.id() == treated.area_id()) {
          treated.set_passes(area.min_passes());
        }
      }
    }
  }
  record.set_device(absl::GetFlag(FLAGS_device));
  record.set_notes(absl::GetFlag(FLAGS_notes));
  record.set_interval_override_reason(absl::GetFlag(FLAGS_override_interval));
  if (absl::GetFlag(FLAGS_perform_time).empty()) {
    *record.mutable_perform_time() = ToTimestamp(absl::Now());
  } else if (!ParseTime(absl::GetFlag(FLAGS_perform_time), record.mutable_perform_time())) {
    return kBadUsage;
  }
  record.set_practitioner(absl::GetFlag(FLAGS_practitioner));
  if (record.practitioner().empty()) {
    v1::WhoAmIResponse me;
    const grpc::Status status =
        v1::Access::NewStub(Channel())->WhoAmI(Context().get(), v1::WhoAmIRequest(), &me);
    if (!status.ok()) return PrintError(status);
    record.set_practitioner(me.on_behalf_of().empty() ? me.principal() : me.on_behalf_of());
  }
  request.set_request_id(RequestId());
  v1::TreatmentRecord response;
  return Print(Clients()->CreateTreatmentRecord(Context().get(), request, &response), response);
}

int Treatments(const std::vector<std::string>& args) {
  v1::ListTreatmentRecordsRequest request;
  request.set_parent(args[0]);
  return ForEachPage(
      *Clients(), &v1::ClientRecords::Stub::ListTreatmentRecords, request,
      [](const v1::ListTreatmentRecordsResponse& page) {
        for (const auto& item : page.treatment_records()) {
          std::vector<std::string> areas;
          for (const auto& area : item.areas()) {
            areas.push_back(absl::StrCat(area.area_id(), ":", area.needle_depth_um()));
          }
          std::vector<std::string> lots;
          for (const auto& use : item.consumables()) {
            if (!use.lot_number().empty()) lots.push_back(use.lot_number());
          }
          const std::string charge =
              item.charge().treatment_charge().empty() ? "charge pending" : "charged";
          PrintRow(item, {item.name(), FormatTime(item.perform_time()), item.treatment_type_id(),
                          item.site_id(), item.practitioner(), absl::StrJoin(areas, ","),
                          absl::StrJoin(lots, ","), charge});
        }
      });
}

int Treatment(const std::vector<std::string>& args) {
  v1::GetTreatmentRecordRequest request;
  request.set_name(args[0]);
  v1::TreatmentRecord response;
  return Print(Clients()->GetTreatmentRecord(Context().get(), request, &response), response);
}

int Addendum(const std::vector<std::string>& args) {
  v1::AddTreatmentRecordAddendumRequest request;
  request.set_name(args[0]);
  request.mutable_addendum()->set_text(args[1]);
  request.set_request_id(RequestId());
  v1::TreatmentRecord response;
  return Print(Clients()->AddTreatmentRecordAddendum(Context().get(), request, &response),
               response);
}

int RecallNotices(const std::vector<std::string>& args) {
  v1::ListLotRecallNoticesRequest request;
  request.set_parent(args[0]);
  return ForEachPage(*Clients(), &v1::ClientRecords::Stub::ListLotRecallNotices, request,
                     [](const v1::ListLotRecallNoticesResponse& page) {
                       for (const auto& item : page.notices()) {
                         PrintRow(item,
                                  {FormatTime(item.recall_time()), item.lot_number(), item.reason(),
                                   item.recalled_by(),
                                   item.treatment_record().empty() ? item.treatment_reference()
                                                                   : item.treatment_record(),
                                   item.site_id(), FormatTime(item.consume_time())});
                       }
                     });
}

}  // namespace

void AddChartCommands(Registry& registry) {
  registry.Area("medical history, consents and treatments");
  registry.Add({"history",
                "clients/ID",
                "show a client's medical history",
                "The current version, or --version=N for an earlier one.",
                {"version"},
                History});
  registry.Add({"history-versions",
                "clients/ID",
                "list every version of a client's medical history, newest first",
                "One line per version: version, time, who recorded it, how many facts.",
                {},
                HistoryVersions});
  registry.Add({"update-history",
                "clients/ID FILE",
                "record a new version of a client's medical history",
                "FILE is a text-format clinic.v1.MedicalHistory with the complete facts and\n"
                "notes, e.g.\n"
                "  facts { fact: KELOID_SCARRING_TENDENCY present: false }\n"
                "  facts { fact: PREGNANT present: false }\n"
                "  notes: \"No known allergies.\"\n"
                "It replaces the current version, which it is based on unless FILE gives an\n"
                "etag (docs/medical-facts.md lists the facts).",
                {"request_id"},
                UpdateHistory});
  registry.Add({"consents",
                "clients/ID",
                "list a client's consents",
                "One line per consent: name, treatment type, form version, state, signed,\n"
                "site.",
                {},
                Consents});
  registry.Add({"consent",
                "clients/ID TYPE FORM_VERSION",
                "record a consent signed now for a treatment type",
                "TYPE is a treatment type id (e.g. microneedling); FORM_VERSION the version of\n"
                "the form signed (e.g. 2026-01).",
                {"site", "witness", "request_id"},
                RecordConsent});
  registry.Add({"withdraw-consent",
                "clients/ID/consents/ID REASON",
                "record that a client withdrew a consent",
                "Treatments of its type are refused until a new consent is recorded.",
                {"request_id"},
                WithdrawConsent});
  registry.Add({"treat",
                "clients/ID TYPE AREA:DEPTH_UM[:PASSES]... --site=SITE --uses=REQUIREMENT,...",
                "record a treatment given now",
                "Checks, in order, that the client is eligible (screening), has a consent on file\n"
                "and is not too soon after the last session; then takes what --uses names from\n"
                "the site's stock, writes the record and charges it. A refusal says which check\n"
                "failed and consumes nothing. An area without PASSES gets the fewest its protocol\n"
                "allows. Rerun with the printed --request_id if the outcome is unknown: it cannot\n"
                "act twice. Example:\n"
                "  clinicctl treat clients/ID microneedling cheeks:1000 forehead:500 \\\n"
                "      --site=london-soho --uses=face_36_42 --device='Dermapen 4'",
                {"site", "uses", "device", "notes", "practitioner", "perform_time",
                 "override_interval", "request_id"},
                Treat});
  registry.Add({"treatments",
                "clients/ID",
                "list a client's treatment records, newest first",
                "One line per record: name, time, treatment type, site, practitioner,\n"
                "areas, lots, whether it has been charged.",
                {},
                Treatments});
  registry.Add({"treatment",
                "clients/ID/treatmentRecords/ID",
                "show one treatment record",
                "With its areas, lots used, screening, charge and addenda.",
                {},
                Treatment});
  registry.Add({"recall-notices",
                "clients/ID",
                "recalled lots used on a client, most recent recall first",
                "One line per notice: recalled at, lot number, reason, who recalled it, the\n"
                "treatment record (or the reference the use was recorded with), site, used at.\n"
                "A recall puts them on the chart by itself; see also `clinicctl trace`.",
                {},
                RecallNotices});
  registry.Add({"addendum",
                "clients/ID/treatmentRecords/ID TEXT",
                "add a note to a treatment record",
                "Records are never edited; a correction or follow-up is an addendum.",
                {"request_id"},
                Addendum});
}

}  // namespace clinic::clinicctl
