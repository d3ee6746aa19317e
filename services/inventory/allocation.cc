#include "services/inventory/allocation.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/core/status.h"
#include "common/core/text.h"

namespace clinic::inventory {
namespace {

bool SameNeedles(const v1::NeedleConfiguration& a, const v1::NeedleConfiguration& b) {
  return a.nano() == b.nano() && a.needle_count() == b.needle_count();
}

absl::Status Short(absl::string_view reason, absl::string_view message, absl::string_view domain) {
  return WithReason(absl::FailedPreconditionError(message), reason, domain);
}

}  // namespace

bool Fits(const v1::Product& product, const v1::CartridgeRequirement& requirement,
          absl::string_view device) {
  if (product.kind() != v1::CONSUMABLE_KIND_NEEDLE_CARTRIDGE) return false;
  const v1::CartridgeSpec& spec = product.cartridge();
  if (spec.needle_length_um() < requirement.min_needle_length_um()) return false;
  if (requirement.insulated_needles_required() && !spec.insulated()) return false;
  if (!device.empty() &&
      std::find(spec.compatible_devices().begin(), spec.compatible_devices().end(), device) ==
          spec.compatible_devices().end()) {
    return false;
  }
  return std::any_of(
      requirement.needles().begin(), requirement.needles().end(),
      [&](const v1::NeedleConfiguration& needles) { return SameNeedles(needles, spec.needles()); });
}

bool Fits(const v1::Product& product, const v1::ConsumableRequirement& requirement) {
  return product.kind() == requirement.kind() && product.category() == requirement.category();
}

bool Fits(const std::string& product_id, const v1::Product& product, const Need& need) {
  if (need.cartridge != nullptr) return Fits(product, *need.cartridge, need.device);
  if (need.consumable != nullptr) return Fits(product, *need.consumable);
  return product_id == need.product_id;
}

absl::StatusOr<std::vector<Take>> AllocateFirstExpiring(std::vector<LotStock> stock,
                                                        int64_t quantity, int today,
                                                        absl::string_view site_id,
                                                        absl::string_view domain) {
  std::sort(stock.begin(), stock.end(), [](const LotStock& a, const LotStock& b) {
    const int da = DayNumber(a.expiry_date), db = DayNumber(b.expiry_date);
    return da != db ? da < db : a.lot_id < b.lot_id;
  });
  int64_t usable = 0, expired = 0, quarantined = 0, recalled = 0;
  std::vector<Take> takes;
  int64_t wanted = quantity;
  for (LotStock& lot : stock) {
    quarantined += lot.balance.quarantined();
    recalled += lot.balance.recalled();
    if (lot.balance.usable() <= 0) continue;
    if (lot.lot_recalled) {
      // Recalls move every unit out of usable; counted as recalled should a
      // unit ever be left there.
      recalled += lot.balance.usable();
      continue;
    }
    if (DayNumber(lot.expiry_date) < today) {
      expired += lot.balance.usable();
      continue;
    }
    usable += lot.balance.usable();
    if (wanted > 0) {
      const int64_t take = std::min(wanted, lot.balance.usable());
      wanted -= take;
      takes.push_back({std::move(lot), take});
    }
  }
  if (wanted == 0) return takes;
  const std::string counts = absl::StrCat(usable, " usable, ", expired, " expired, ", quarantined,
                                          " quarantined and ", recalled, " recalled");
  const std::string where = absl::StrCat("at site ", Quote(site_id));
  if (usable > 0) {
    return Short("NOT_ENOUGH_USABLE_STOCK",
                 absl::StrCat(quantity, " units are needed but only ", usable, " usable ones are ",
                              where, " (", counts, ")"),
                 domain);
  }
  if (expired + quarantined + recalled == 0) {
    return Short("NO_STOCK_ON_HAND", absl::StrCat("no fitting units are on hand ", where), domain);
  }
  if (quarantined + recalled == 0) {
    return Short("ALL_EXPIRED",
                 absl::StrCat("every fitting unit on hand ", where, " has expired (", expired,
                              "); dispose of them and receive new stock"),
                 domain);
  }
  if (expired == 0) {
    return Short("ALL_RECALLED_OR_QUARANTINED",
                 absl::StrCat("every fitting unit on hand ", where, " is quarantined or recalled (",
                              counts, ")"),
                 domain);
  }
  return Short("NO_USABLE_STOCK",
               absl::StrCat("no fitting unit on hand ", where, " is usable (", counts, ")"),
               domain);
}

}  // namespace clinic::inventory
