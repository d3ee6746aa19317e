#include "common/definition/definition_validator.h"

#include <cmath>
#include <map>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/definition/semver.h"
#include "google/protobuf/duration.pb.h"

namespace clinic {
namespace {

using google::protobuf::Duration;

constexpr int64_t kMaxLookbackSeconds = 20LL * 366 * 24 * 3600;  // 20 years
constexpr int64_t kMinValiditySeconds = 3600;                    // 1 hour
constexpr int64_t kMaxValiditySeconds = 366LL * 24 * 3600;       // 366 days
constexpr size_t kMaxDisplayNameLength = 200;

// The protobuf Duration invariants: nanos within a second, same sign as seconds.
bool IsValidDuration(const Duration& d) {
  if (d.nanos() <= -1000000000 || d.nanos() >= 1000000000) return false;
  return !((d.seconds() > 0 && d.nanos() < 0) || (d.seconds() < 0 && d.nanos() > 0));
}

std::string Index(absl::string_view path, int i) { return absl::StrCat(path, "[", i, "]"); }
std::string Field(absl::string_view path, absl::string_view name) {
  return path.empty() ? std::string(name) : absl::StrCat(path, ".", name);
}

bool IsIdentifier(absl::string_view id) {
  if (id.size() < 2 || id.size() > 63) return false;
  if (!absl::ascii_islower(static_cast<unsigned char>(id[0]))) return false;
  for (char c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (!absl::ascii_islower(u) && !absl::ascii_isdigit(u) && c != '_') return false;
  }
  return true;
}

class Validator {
 public:
  explicit Validator(const v1::TreatmentDefinition& d) : d_(d) {}

  std::vector<FieldViolation> Run() {
    CheckIdentity();
    CheckIndications();
    CheckProtocol();
    CheckPainManagement();
    CheckCartridges();
    CheckQuestions();
    CheckRules();
    CheckValidity();
    return std::move(out_);
  }

 private:
  void Add(std::string field, std::string description) {
    out_.push_back(FieldViolation{std::move(field), std::move(description)});
  }

  // An id field: well-formed and unique among `seen` (id -> path of first use).
  void CheckId(const std::string& path, const std::string& id,
               std::map<std::string, std::string>& seen) {
    if (id.empty()) {
      Add(path, "is required");
      return;
    }
    if (!IsIdentifier(id)) {
      Add(path, absl::StrCat("\"", id,
                             "\" must be 2 to 63 lowercase letters, digits or underscores, "
                             "starting with a letter"));
      return;
    }
    auto [it, inserted] = seen.emplace(id, path);
    if (!inserted) Add(path, absl::StrCat("\"", id, "\" duplicates the id of ", it->second));
  }

  void CheckDisplayName(const std::string& path, const std::string& name) {
    if (absl::StripAsciiWhitespace(name).empty()) {
      Add(path, "is required");
    } else if (name.size() > kMaxDisplayNameLength) {
      Add(path, absl::StrCat("is ", name.size(), " bytes long; at most ", kMaxDisplayNameLength,
                             " are allowed"));
    }
  }

  void CheckRange(const std::string& min_path, int64_t min, const std::string& max_path,
                  int64_t max, int64_t floor, int64_t ceiling, absl::string_view unit) {
    if (min < floor || min > ceiling) {
      Add(min_path, absl::StrCat(min, " ", unit, " is outside the allowed ", floor, " to ", ceiling,
                                 " ", unit));
    }
    if (max < floor || max > ceiling) {
      Add(max_path, absl::StrCat(max, " ", unit, " is outside the allowed ", floor, " to ", ceiling,
                                 " ", unit));
    } else if (max < min && min >= floor && min <= ceiling) {
      Add(max_path, absl::StrCat(max, " ", unit, " is less than ", min_path, " (", min, ")"));
    }
  }

  void CheckIdentity() {
    std::map<std::string, std::string> seen;
    CheckId("id", d_.id(), seen);
    CheckDisplayName("display_name", d_.display_name());
    if (d_.version().empty()) {
      Add("version", "is required, e.g. \"1.0.0\"");
    } else if (absl::StatusOr<SemanticVersion> v = ParseSemanticVersion(d_.version()); !v.ok()) {
      Add("version", std::string(v.status().message()));
    }
  }

  void CheckIndications() {
    if (d_.indications().empty()) Add("indications", "at least one indication is required");
    std::map<std::string, std::string> seen;
    for (int i = 0; i < d_.indications_size(); ++i) {
      const std::string path = Index("indications", i);
      const v1::Indication& indication = d_.indications(i);
      CheckId(Field(path, "id"), indication.id(), seen);
      CheckDisplayName(Field(path, "display_name"), indication.display_name());
      indication_ids_.insert(indication.id());
    }
  }

  void CheckProtocol() {
    if (!d_.has_protocol()) {
      Add("protocol", "is required");
      return;
    }
    const v1::Protocol& p = d_.protocol();
    if (p.areas().empty()) Add("protocol.areas", "at least one treatable area is required");
    std::map<std::string, std::string> seen;
    for (int i = 0; i < p.areas_size(); ++i) {
      const std::string path = Index("protocol.areas", i);
      const v1::TreatmentArea& area = p.areas(i);
      CheckId(Field(path, "id"), area.id(), seen);
      CheckDisplayName(Field(path, "display_name"), area.display_name());
      if (area.region() == v1::BODY_REGION_UNSPECIFIED) {
        Add(Field(path, "region"), "is required");
      } else if (!v1::BodyRegion_IsValid(area.region())) {
        Add(Field(path, "region"), absl::StrCat(area.region(), " is not a known body region"));
      }
      CheckRange(Field(path, "min_depth_um"), area.min_depth_um(), Field(path, "max_depth_um"),
                 area.max_depth_um(), 1, kMaxNeedleDepthUm, "um");
      // Only depths that are themselves valid feed the cartridge check, so one
      // mistake is reported once rather than again for every cartridge.
      const bool depth_valid = area.max_depth_um() >= 1 && area.max_depth_um() <= kMaxNeedleDepthUm;
      int deepest = depth_valid ? area.max_depth_um() : 0;
      std::set<std::string> overridden;
      for (int j = 0; j < area.depth_overrides_size(); ++j) {
        const std::string opath = Index(Field(path, "depth_overrides"), j);
        const v1::DepthOverride& o = area.depth_overrides(j);
        if (indication_ids_.count(o.indication_id()) == 0) {
          Add(Field(opath, "indication_id"),
              absl::StrCat("refers to indication '", o.indication_id(),
                           "' which the definition does not declare"));
        } else if (!overridden.insert(o.indication_id()).second) {
          Add(Field(opath, "indication_id"), absl::StrCat("indication '", o.indication_id(),
                                                          "' already has a limit in this area"));
        }
        if (o.max_depth_um() < area.min_depth_um() || o.max_depth_um() > kMaxNeedleDepthUm) {
          Add(Field(opath, "max_depth_um"),
              absl::StrCat(o.max_depth_um(), " um must be between the area's min_depth_um (",
                           area.min_depth_um(), ") and ", kMaxNeedleDepthUm, " um"));
        }
        if (o.max_depth_um() <= kMaxNeedleDepthUm) deepest = std::max(deepest, o.max_depth_um());
      }
      area_deepest_.emplace(area.id(), deepest);
      CheckRange(Field(path, "min_passes"), area.min_passes(), Field(path, "max_passes"),
                 area.max_passes(), 1, 20, "passes");
    }

    if (!p.has_course()) {
      Add("protocol.course", "is required");
    } else {
      const v1::Course& c = p.course();
      CheckRange("protocol.course.min_sessions", c.min_sessions(), "protocol.course.max_sessions",
                 c.max_sessions(), 1, 52, "sessions");
      CheckRange("protocol.course.min_interval_days", c.min_interval_days(),
                 "protocol.course.max_interval_days", c.max_interval_days(), 1, 730, "days");
    }
    if (!p.has_downtime()) {
      Add("protocol.downtime", "is required (use min_days: 0 and max_days: 0 for none)");
    } else {
      CheckRange("protocol.downtime.min_days", p.downtime().min_days(),
                 "protocol.downtime.max_days", p.downtime().max_days(), 0, 90, "days");
    }
    std::map<std::string, std::string> aftercare_ids;
    for (int i = 0; i < p.aftercare_size(); ++i) {
      const std::string path = Index("protocol.aftercare", i);
      const v1::AftercareInstruction& a = p.aftercare(i);
      CheckId(Field(path, "id"), a.id(), aftercare_ids);
      if (absl::StripAsciiWhitespace(a.text()).empty()) Add(Field(path, "text"), "is required");
      if (a.duration_hours() < 0) {
        Add(Field(path, "duration_hours"),
            absl::StrCat(a.duration_hours(), " must not be negative (0 means no end)"));
      }
    }
  }

  void CheckPainManagement() {
    const v1::PainManagement& pm = d_.pain_management();
    if (!pm.topical_anaesthetic()) return;
    if (absl::StripAsciiWhitespace(pm.agent()).empty()) {
      Add("pain_management.agent", "is required when topical_anaesthetic is true");
    }
    CheckRange("pain_management.min_application_minutes", pm.min_application_minutes(),
               "pain_management.max_application_minutes", pm.max_application_minutes(), 1, 240,
               "minutes");
  }

  void CheckCartridges() {
    if (d_.cartridges().empty())
      Add("cartridges", "at least one cartridge requirement is required");
    std::map<std::string, std::string> seen;
    for (int i = 0; i < d_.cartridges_size(); ++i) {
      const std::string path = Index("cartridges", i);
      const v1::CartridgeRequirement& c = d_.cartridges(i);
      CheckId(Field(path, "id"), c.id(), seen);
      CheckDisplayName(Field(path, "display_name"), c.display_name());
      if (c.needle_configurations().empty()) {
        Add(Field(path, "needle_configurations"), "at least one needle configuration is required");
      }
      for (int j = 0; j < c.needle_configurations_size(); ++j) {
        const std::string& config = c.needle_configurations(j);
        int count = 0;
        const bool numeric = !config.empty() && config.size() <= 3 &&
                             config.find_first_not_of("0123456789") == std::string::npos &&
                             config[0] != '0';
        if (numeric) count = std::stoi(config);
        if (config != "nano" && (!numeric || count < 1 || count > 100)) {
          Add(Index(Field(path, "needle_configurations"), j),
              absl::StrCat("\"", config,
                           "\" must be a needle count from \"1\" to \"100\" or \"nano\""));
        }
      }
      if (c.quantity_per_session() < 1) {
        Add(Field(path, "quantity_per_session"),
            absl::StrCat(c.quantity_per_session(), " must be at least 1"));
      }
      // Which areas the cartridge must be able to reach.
      int deepest = 0;
      std::string deepest_area;
      std::set<std::string> listed;
      for (int j = 0; j < c.area_ids_size(); ++j) {
        const std::string& area_id = c.area_ids(j);
        auto it = area_deepest_.find(area_id);
        if (!d_.has_protocol()) {
          continue;  // "protocol: is required" already covers it
        } else if (it == area_deepest_.end()) {
          Add(Index(Field(path, "area_ids"), j),
              absl::StrCat("refers to area '", area_id, "' which the protocol does not declare"));
        } else if (!listed.insert(area_id).second) {
          Add(Index(Field(path, "area_ids"), j), absl::StrCat("lists area '", area_id, "' twice"));
        } else if (it->second > deepest) {
          deepest = it->second;
          deepest_area = area_id;
        }
      }
      if (c.area_ids().empty()) {
        for (const auto& [area_id, depth] : area_deepest_) {
          if (depth > deepest) {
            deepest = depth;
            deepest_area = area_id;
          }
        }
      }
      const std::string length_path = Field(path, "min_needle_length_um");
      if (c.min_needle_length_um() < 1 || c.min_needle_length_um() > kMaxNeedleDepthUm) {
        Add(length_path, absl::StrCat(c.min_needle_length_um(), " um is outside the allowed 1 to ",
                                      kMaxNeedleDepthUm, " um"));
      } else if (c.min_needle_length_um() < deepest) {
        Add(length_path,
            absl::StrCat(c.min_needle_length_um(), " um cannot reach the ", deepest,
                         " um allowed in area '", deepest_area, "' that this cartridge covers"));
      }
    }
  }

  void CheckQuestions() {
    if (d_.screening_questions().empty()) {
      Add("screening_questions", "at least one screening question is required");
    }
    std::map<std::string, std::string> seen;
    for (int i = 0; i < d_.screening_questions_size(); ++i) {
      const std::string path = Index("screening_questions", i);
      const v1::ScreeningQuestion& q = d_.screening_questions(i);
      CheckId(Field(path, "id"), q.id(), seen);
      questions_.emplace(q.id(), &q);
      if (absl::StripAsciiWhitespace(q.text()).empty()) Add(Field(path, "text"), "is required");
      if (q.answer_type() == v1::ANSWER_TYPE_UNSPECIFIED) {
        Add(Field(path, "answer_type"), "is required");
      } else if (!v1::AnswerType_IsValid(q.answer_type())) {
        Add(Field(path, "answer_type"),
            absl::StrCat(q.answer_type(), " is not a known answer type"));
      }
      if (q.answer_type() == v1::ANSWER_TYPE_CHOICE) {
        if (q.options_size() < 2) {
          Add(Field(path, "options"), "a choice question needs at least two options");
        }
        std::map<std::string, std::string> option_ids;
        for (int j = 0; j < q.options_size(); ++j) {
          const std::string opath = Index(Field(path, "options"), j);
          CheckId(Field(opath, "id"), q.options(j).id(), option_ids);
          CheckDisplayName(Field(opath, "label"), q.options(j).label());
        }
      } else if (q.options_size() > 0) {
        Add(Field(path, "options"), "only choice questions have options");
      }
      if (q.has_number_bounds()) {
        const v1::NumberBounds& b = q.number_bounds();
        if (q.answer_type() != v1::ANSWER_TYPE_NUMBER) {
          Add(Field(path, "number_bounds"), "only number questions have number bounds");
        } else if (!std::isfinite(b.min()) || !std::isfinite(b.max())) {
          Add(Field(path, "number_bounds"), "min and max must be finite numbers");
        } else if (b.max() < b.min()) {
          Add(Field(path, "number_bounds.max"),
              absl::StrCat(b.max(), " is less than number_bounds.min (", b.min(), ")"));
        }
      }
    }
  }

  void CheckLookback(const std::string& path, const Duration& duration) {
    if (!IsValidDuration(duration) || duration.nanos() < 0 ||
        (duration.seconds() == 0 && duration.nanos() == 0) || duration.seconds() < 0) {
      Add(path, "must be a positive duration, e.g. { seconds: 15552000 } for 180 days");
    } else if (duration.seconds() > kMaxLookbackSeconds) {
      Add(path, absl::StrCat(duration.seconds(), " seconds is longer than the 20-year limit"));
    }
  }

  void CheckAnswerTest(const std::string& path, const v1::AnswerTest& test) {
    auto it = questions_.find(test.question_id());
    if (test.question_id().empty()) {
      Add(Field(path, "question_id"), "is required");
      return;
    }
    if (it == questions_.end()) {
      Add(Field(path, "question_id"), absl::StrCat("refers to question '", test.question_id(),
                                                   "' which the definition does not declare"));
      return;
    }
    const v1::ScreeningQuestion& q = *it->second;
    auto mismatch = [&](absl::string_view comparison, absl::string_view wants) {
      Add(Field(path, comparison),
          absl::StrCat("cannot test question '", q.id(), "', which takes ",
                       v1::AnswerType_Name(q.answer_type()), "; ", comparison, " needs ", wants));
    };
    switch (test.comparison_case()) {
      case v1::AnswerTest::kEquals:
        if (q.answer_type() != v1::ANSWER_TYPE_YES_NO) mismatch("equals", "a yes/no question");
        break;
      case v1::AnswerTest::kOneOf: {
        if (q.answer_type() != v1::ANSWER_TYPE_CHOICE) {
          mismatch("one_of", "a choice question");
          break;
        }
        if (test.one_of().option_ids().empty()) {
          Add(Field(path, "one_of.option_ids"), "at least one option id is required");
        }
        for (int i = 0; i < test.one_of().option_ids_size(); ++i) {
          const std::string& option = test.one_of().option_ids(i);
          bool found = false;
          for (const auto& o : q.options()) found |= o.id() == option;
          if (!found) {
            Add(Index(Field(path, "one_of.option_ids"), i),
                absl::StrCat("refers to option '", option, "' which question '", q.id(),
                             "' does not offer"));
          }
        }
        break;
      }
      case v1::AnswerTest::kAtLeast:
      case v1::AnswerTest::kAtMost: {
        const bool least = test.comparison_case() == v1::AnswerTest::kAtLeast;
        if (q.answer_type() != v1::ANSWER_TYPE_NUMBER) {
          mismatch(least ? "at_least" : "at_most", "a number question");
        } else if (!std::isfinite(least ? test.at_least() : test.at_most())) {
          Add(Field(path, least ? "at_least" : "at_most"), "must be a finite number");
        }
        break;
      }
      case v1::AnswerTest::kWithinLast:
        if (q.answer_type() != v1::ANSWER_TYPE_DATE) {
          mismatch("within_last", "a date question");
        } else {
          CheckLookback(Field(path, "within_last"), test.within_last());
        }
        break;
      case v1::AnswerTest::COMPARISON_NOT_SET:
        Add(path, absl::StrCat("sets no comparison; set one of equals, one_of, at_least, at_most "
                               "or within_last to suit question '",
                               q.id(), "'"));
        break;
    }
  }

  void CheckFactTest(const std::string& path, const v1::FactTest& test) {
    if (test.fact() == v1::MEDICAL_FACT_UNSPECIFIED) {
      Add(Field(path, "fact"), "is required");
    } else if (!v1::MedicalFact_IsValid(test.fact())) {
      Add(Field(path, "fact"), absl::StrCat(test.fact(),
                                            " is not a medical fact this host knows; see "
                                            "docs/medical-facts.md"));
    }
    switch (test.comparison_case()) {
      case v1::FactTest::kPresent:
        break;
      case v1::FactTest::kActiveWithin:
        CheckLookback(Field(path, "active_within"), test.active_within());
        break;
      case v1::FactTest::COMPARISON_NOT_SET:
        Add(path, "sets no comparison; set present or active_within");
        break;
    }
  }

  void CheckCondition(const std::string& path, const v1::Condition& condition, int depth) {
    if (depth > kMaxConditionDepth) {
      Add(path,
          absl::StrCat("nests deeper than ", kMaxConditionDepth, " levels; simplify the rule"));
      return;
    }
    auto check_list = [&](absl::string_view name, const v1::Conditions& list) {
      const std::string list_path = Field(path, absl::StrCat(name, ".conditions"));
      if (list.conditions().empty()) {
        Add(list_path, absl::StrCat(name, " needs at least one condition"));
      }
      for (int i = 0; i < list.conditions_size(); ++i) {
        CheckCondition(Index(list_path, i), list.conditions(i), depth + 1);
      }
    };
    switch (condition.test_case()) {
      case v1::Condition::kAnswer:
        CheckAnswerTest(Field(path, "answer"), condition.answer());
        break;
      case v1::Condition::kFact:
        CheckFactTest(Field(path, "fact"), condition.fact());
        break;
      case v1::Condition::kAllOf:
        check_list("all_of", condition.all_of());
        break;
      case v1::Condition::kAnyOf:
        check_list("any_of", condition.any_of());
        break;
      case v1::Condition::kNoneOf:
        check_list("none_of", condition.none_of());
        break;
      case v1::Condition::TEST_NOT_SET:
        Add(path, "sets no test; set one of answer, fact, all_of, any_of or none_of");
        break;
    }
  }

  void CheckRules() {
    if (d_.contraindications().empty()) {
      Add("contraindications", "at least one contraindication rule is required");
    }
    std::map<std::string, std::string> seen;
    for (int i = 0; i < d_.contraindications_size(); ++i) {
      const std::string path = Index("contraindications", i);
      const v1::ContraindicationRule& rule = d_.contraindications(i);
      CheckId(Field(path, "id"), rule.id(), seen);
      CheckDisplayName(Field(path, "display_name"), rule.display_name());
      if (rule.severity() == v1::SEVERITY_UNSPECIFIED) {
        Add(Field(path, "severity"), "is required: SEVERITY_ABSOLUTE or SEVERITY_RELATIVE");
      } else if (!v1::Severity_IsValid(rule.severity())) {
        Add(Field(path, "severity"), absl::StrCat(rule.severity(), " is not a known severity"));
      }
      if (absl::StripAsciiWhitespace(rule.rationale()).empty()) {
        Add(Field(path, "rationale"), "is required: a clinician must be able to read why");
      }
      if (!rule.has_condition()) {
        Add(Field(path, "condition"), "is required");
      } else {
        CheckCondition(Field(path, "condition"), rule.condition(), 1);
      }
    }
  }

  void CheckValidity() {
    if (!d_.has_screening_validity()) {
      Add("screening_validity", "is required, e.g. { seconds: 2592000 } for 30 days");
      return;
    }
    const Duration& v = d_.screening_validity();
    if (!IsValidDuration(v) || v.seconds() < kMinValiditySeconds ||
        v.seconds() > kMaxValiditySeconds ||
        (v.seconds() == kMaxValiditySeconds && v.nanos() > 0)) {
      Add("screening_validity", absl::StrCat(v.seconds(),
                                             " seconds is outside the allowed 1 hour (3600) to "
                                             "366 days (31622400)"));
    }
  }

  const v1::TreatmentDefinition& d_;
  std::vector<FieldViolation> out_;
  std::set<std::string> indication_ids_;
  std::map<std::string, int> area_deepest_;
  std::map<std::string, const v1::ScreeningQuestion*> questions_;
};

}  // namespace

std::vector<FieldViolation> ValidateTreatmentDefinition(const v1::TreatmentDefinition& definition) {
  return Validator(definition).Run();
}

}  // namespace clinic
