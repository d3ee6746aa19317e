// Makes a client ready for a treatment through the real API, as a clinic
// would before the first session: a screening answered as plainly as the
// questionnaire allows (approved by a clinician when the rules ask for a
// review), a consent on file, and cartridges in stock at the site. For
// tests that record treatments, which the treatment flow refuses without
// these (docs/treatment-flow.md).
#ifndef CLINIC_TESTS_TESTING_TREATMENT_READY_H_
#define CLINIC_TESTS_TESTING_TREATMENT_READY_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "clinic/v1/inventory.pb.h"
#include "clinic/v1/screening.pb.h"

namespace clinic::testing {

class TreatmentReady {
 public:
  // Talks to the server on `channel` as principals it writes into the
  // access database in `data_dir` (a practitioner and a stock clerk, both
  // chain-wide).
  TreatmentReady(std::shared_ptr<grpc::Channel> channel, const std::string& data_dir);

  // A screening of `treatment_type` (e.g. "microneedling") for `client`
  // ("clients/{id}") at `site` covering `areas`, cleared or approved.
  absl::StatusOr<v1::ScreeningRecord> Screen(const std::string& client,
                                             const std::string& treatment_type,
                                             const std::string& site,
                                             const std::vector<std::string>& areas);

  // A consent of `client` to `treatment_type`, signed now at `site`.
  absl::Status Consent(const std::string& client, const std::string& treatment_type,
                       const std::string& site);

  // Both of the above.
  absl::Status Prepare(const std::string& client, const std::string& treatment_type,
                       const std::string& site, const std::vector<std::string>& areas);

  // `units` Dermapen 4 cartridges of `needles` needles, 2.5 mm long (36
  // fit microneedling's face and body requirements, 12 the test plugins'
  // face_12) received at `site` in a lot numbered `lot_number`, expiring
  // next year; returns the lot's name. Each product is made once per
  // object.
  absl::StatusOr<std::string> StockCartridges(const std::string& site, int units,
                                              const std::string& lot_number = "TEST-LOT-1",
                                              int needles = 36);

  // `units` tubes of lidocaine cream (microneedling's consumable) at `site`.
  absl::StatusOr<std::string> StockCream(const std::string& site, int units,
                                         const std::string& lot_number = "CREAM-LOT-1");

  const std::string& practitioner_token() const { return practitioner_; }

 private:
  absl::StatusOr<std::string> Product(const std::string& text, std::string& cached);
  absl::StatusOr<std::string> Receive(const std::string& site, const std::string& product,
                                      int units, const std::string& lot_number);
  std::unique_ptr<grpc::ClientContext> Context(const std::string& token) const;
  std::string NextId();

  std::shared_ptr<grpc::Channel> channel_;
  std::string practitioner_;
  std::string clerk_;
  std::map<int, std::string> cartridges_;  // by needle count
  std::string cream_;
};

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_TESTING_TREATMENT_READY_H_
