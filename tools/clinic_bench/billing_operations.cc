// Billing operations: payment, one card payment of the currency's smallest
// unit against one of many issued invoices (the invoice's balance derived
// from its payments and credits, checked and the payment appended, in one
// durable transaction). The invoices are issued before the run, each for a
// fee of 1,000,000.00, so no run pays one off; there are enough of them
// that calls in flight rarely share one, as payments at a clinic's tills do.
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "clinic/v1/billing.grpc.pb.h"
#include "common/core/time.h"
#include "common/storage/ids.h"
#include "tools/clinic_bench/fixture.h"
#include "tools/clinic_bench/operation.h"

namespace clinic::bench {
namespace {

// Invoices paid into, and threads issuing them before the run.
constexpr int kInvoices = 256;
constexpr int kIssuers = 8;
// What each invoice asks for, in major units: at one minor unit a call, far
// more than any run pays.
constexpr int64_t kInvoiceMajorUnits = 1'000'000;
constexpr char kFeeId[] = "clinic-bench-payments";

class RecordPaymentOperation : public Operation {
 public:
  explicit RecordPaymentOperation(Fixture& fixture) : fixture_(fixture) {}
  std::string Rpc() const override { return "Billing/RecordPayment"; }
  bool DurableWrite() const override { return true; }
  // The manager sets the fee's price; a billing clerk's permissions take
  // the payments.
  std::vector<v1::Role> Roles() const override {
    return {v1::ROLE_SITE_MANAGER, v1::ROLE_BILLING_CLERK};
  }

  absl::Status Prepare() override {
    for (int i = 0; i < fixture_.channel_count(); ++i) {
      stubs_.push_back(v1::Billing::NewStub(fixture_.channel(i)));
    }
    // The first invoice says the site's currency, which the price must be
    // in; it gets its line once the price is set.
    absl::StatusOr<v1::Invoice> first = Open(*stubs_[0], /*with_line=*/false);
    if (!first.ok()) return first.status();
    currency_ = first->currency_code();
    if (absl::Status priced = SetPrice(first->currency_digits()); !priced.ok()) return priced;
    {
      v1::AddInvoiceLinesRequest add;
      add.set_invoice(first->name());
      *add.add_lines() = Line();
      add.set_request_id(fixture_.NextRequestId());
      grpc::ClientContext context;
      fixture_.PrepareContext(context);
      v1::Invoice filled;
      const grpc::Status status = stubs_[0]->AddInvoiceLines(&context, add, &filled);
      if (!status.ok()) return FromGrpc(status, "Billing/AddInvoiceLines");
    }
    if (absl::Status issued = Issue(*stubs_[0], first->name()); !issued.ok()) return issued;
    invoices_.push_back(first->name());
    return IssueTheRest();
  }

  void Start(Slot& slot, Done done) override {
    struct Call {
      grpc::ClientContext context;
      v1::RecordPaymentRequest request;
      v1::Payment response;
    };
    auto call = std::make_shared<Call>();
    fixture_.PrepareContext(call->context);
    call->request.set_invoice(invoices_[slot.random()() % invoices_.size()]);
    call->request.mutable_amount()->set_amount_minor(1);
    call->request.mutable_amount()->set_currency_code(currency_);
    call->request.set_method(v1::PAYMENT_METHOD_CARD);
    call->request.set_request_id(fixture_.NextRequestId());
    stubs_[static_cast<size_t>(slot.channel())]->async()->RecordPayment(
        &call->context, &call->request, &call->response,
        [call, done = std::move(done)](grpc::Status status) { done(status); });
  }

 private:
  v1::InvoiceLineInput Line() const {
    v1::InvoiceLineInput line;
    line.mutable_item()->set_fee_id(kFeeId);
    line.set_quantity(1);
    return line;
  }

  // A draft for a client of its own (Billing keeps no client list to check),
  // with the fee's line once it is priced.
  absl::StatusOr<v1::Invoice> Open(v1::Billing::Stub& stub, bool with_line) {
    v1::CreateInvoiceRequest create;
    create.mutable_invoice()->set_site_id(fixture_.site_id());
    create.mutable_invoice()->set_client("clients/" + storage::NewId());
    if (with_line) *create.add_lines() = Line();
    create.set_request_id(fixture_.NextRequestId());
    grpc::ClientContext context;
    fixture_.PrepareContext(context);
    v1::Invoice invoice;
    const grpc::Status status = stub.CreateInvoice(&context, create, &invoice);
    if (!status.ok()) return FromGrpc(status, "Billing/CreateInvoice");
    return invoice;
  }

  absl::Status Issue(v1::Billing::Stub& stub, const std::string& name) {
    v1::IssueInvoiceRequest issue;
    issue.set_name(name);
    issue.set_request_id(fixture_.NextRequestId());
    grpc::ClientContext context;
    fixture_.PrepareContext(context);
    v1::Invoice issued;
    return FromGrpc(stub.IssueInvoice(&context, issue, &issued), "Billing/IssueInvoice");
  }

  // Prices the fee from today at the site. The bench does not know the
  // site's time zone, and a price may not start before the site's today:
  // the days around today in UTC are tried in order, and the first the
  // server takes is the site's today.
  absl::Status SetPrice(int digits) {
    int64_t amount = kInvoiceMajorUnits;
    for (int i = 0; i < digits; ++i) amount *= 10;
    const absl::CivilDay utc_today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    grpc::Status status;
    for (int offset = -1; offset <= 1; ++offset) {
      v1::SetPriceRequest request;
      v1::Price& price = *request.mutable_price();
      price.set_site_id(fixture_.site_id());
      price.mutable_item()->set_fee_id(kFeeId);
      price.set_display_name("clinic-bench payments");
      price.mutable_unit_price()->set_amount_minor(amount);
      price.mutable_unit_price()->set_currency_code(currency_);
      price.set_tax_category(v1::TAX_CATEGORY_FEE);
      *price.mutable_effective_from() = ToDate(utc_today + offset);
      request.set_request_id(fixture_.NextRequestId());
      grpc::ClientContext context;
      fixture_.PrepareContext(context);
      v1::Price set;
      status = stubs_[0]->SetPrice(&context, request, &set);
      if (status.error_code() != grpc::StatusCode::INVALID_ARGUMENT) break;
    }
    return FromGrpc(status, "Billing/SetPrice");
  }

  // The other invoices, opened with their line and issued by a few threads
  // at once, so preparing takes a moment rather than hundreds of fsyncs in
  // a row.
  absl::Status IssueTheRest() {
    std::atomic<int> next{1};
    std::mutex mutex;
    absl::Status first_error;
    std::vector<std::thread> issuers;
    for (int t = 0; t < kIssuers; ++t) {
      issuers.emplace_back([&, t] {
        v1::Billing::Stub& stub = *stubs_[static_cast<size_t>(t) % stubs_.size()];
        while (next.fetch_add(1) < kInvoices) {
          absl::StatusOr<v1::Invoice> draft = Open(stub, /*with_line=*/true);
          absl::Status issued = draft.ok() ? Issue(stub, draft->name()) : draft.status();
          std::lock_guard<std::mutex> lock(mutex);
          if (!issued.ok()) {
            if (first_error.ok()) first_error = issued;
            return;
          }
          invoices_.push_back(draft->name());
        }
      });
    }
    for (std::thread& issuer : issuers) issuer.join();
    return first_error;
  }

  Fixture& fixture_;
  std::vector<std::unique_ptr<v1::Billing::Stub>> stubs_;
  std::string currency_;
  // Written while preparing only; read without locks once calls start.
  std::vector<std::string> invoices_;
};

CLINIC_BENCH_OPERATION(
    "payment", RecordPaymentOperation,
    "Billing/RecordPayment of the smallest unit (0.01 GBP) against one of 256 invoices");

}  // namespace
}  // namespace clinic::bench
