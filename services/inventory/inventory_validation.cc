#include "services/inventory/inventory_validation.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/core/text.h"
#include "common/definition/definition_wording.h"

namespace clinic::inventory {
namespace {

constexpr size_t kMaxNameChars = 200;
constexpr size_t kMaxModelChars = 100;
constexpr int kMaxDevices = 20;
constexpr size_t kMaxDeviceChars = 100;
constexpr int kMaxNeedleCount = 200;
constexpr int kMaxNeedleLengthUm = 5000;
constexpr size_t kMaxLotNumberChars = 64;

std::string Field(absl::string_view prefix, absl::string_view name) {
  return prefix.empty() ? std::string(name) : absl::StrCat(prefix, ".", name);
}

void CheckCartridge(const v1::CartridgeSpec& spec, const std::string& path,
                    std::vector<FieldViolation>& out) {
  const v1::NeedleConfiguration& needles = spec.needles();
  if (needles.nano() == (needles.needle_count() != 0)) {
    out.push_back(
        {Field(path, "needles"), "must give either a needle_count or nano, exactly one of them"});
  } else if (!needles.nano() &&
             (needles.needle_count() < 1 || needles.needle_count() > kMaxNeedleCount)) {
    out.push_back(
        {Field(path, "needles.needle_count"),
         absl::StrCat("must be 1 to ", kMaxNeedleCount, "; got ", needles.needle_count())});
  }
  if (spec.needle_length_um() < 1 || spec.needle_length_um() > kMaxNeedleLengthUm) {
    out.push_back({Field(path, "needle_length_um"),
                   absl::StrCat("must be 1 to ", kMaxNeedleLengthUm, " micrometres; got ",
                                spec.needle_length_um())});
  }
  if (spec.compatible_devices().empty()) {
    out.push_back({Field(path, "compatible_devices"), "must name at least one device"});
  } else if (spec.compatible_devices_size() > kMaxDevices) {
    out.push_back({Field(path, "compatible_devices"),
                   absl::StrCat("must name at most ", kMaxDevices, " devices; got ",
                                spec.compatible_devices_size())});
  } else {
    std::set<absl::string_view> seen;
    for (int i = 0; i < spec.compatible_devices_size(); ++i) {
      const std::string field = absl::StrCat(Field(path, "compatible_devices"), "[", i, "]");
      ValidateText(spec.compatible_devices(i), field, /*required=*/true, kMaxDeviceChars, out);
      if (!seen.insert(spec.compatible_devices(i)).second) {
        out.push_back({field, absl::StrCat(Quote(spec.compatible_devices(i)), " is listed twice")});
      }
    }
  }
}

}  // namespace

bool IsValidGtin(absl::string_view gtin) {
  if (gtin.size() != 8 && gtin.size() != 12 && gtin.size() != 13 && gtin.size() != 14) {
    return false;
  }
  for (char c : gtin) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  // GS1: from the digit left of the check digit leftwards, weights 3, 1,
  // 3, ...; the check digit brings the sum to a multiple of 10.
  int sum = 0;
  int weight = 3;
  for (size_t i = gtin.size() - 1; i-- > 0;) {
    sum += (gtin[i] - '0') * weight;
    weight = 4 - weight;
  }
  return (10 - sum % 10) % 10 == gtin.back() - '0';
}

void CheckProduct(const v1::Product& product, absl::string_view prefix,
                  std::vector<FieldViolation>& out) {
  const std::string path(prefix);
  ValidateText(product.display_name(), Field(path, "display_name"), /*required=*/true,
               kMaxNameChars, out);
  ValidateText(product.manufacturer(), Field(path, "manufacturer"), /*required=*/true,
               kMaxNameChars, out);
  ValidateText(product.model(), Field(path, "model"), /*required=*/false, kMaxModelChars, out);
  if (!product.gtin().empty() && !IsValidGtin(product.gtin())) {
    out.push_back({Field(path, "gtin"),
                   absl::StrCat(Quote(product.gtin()),
                                " is not a GTIN: 8, 12, 13 or 14 digits ending in the GS1 check "
                                "digit")});
  }
  if (product.kind() == v1::CONSUMABLE_KIND_UNSPECIFIED ||
      !v1::ConsumableKind_IsValid(product.kind())) {
    out.push_back({Field(path, "kind"), "is required: one of the CONSUMABLE_KIND_ values"});
    return;
  }
  if (product.kind() == v1::CONSUMABLE_KIND_NEEDLE_CARTRIDGE) {
    if (!product.category().empty()) {
      out.push_back({Field(path, "category"),
                     "must be empty for needle cartridges, which fit by their cartridge spec"});
    }
    if (!product.has_cartridge()) {
      out.push_back({Field(path, "cartridge"), "is required for a needle cartridge"});
    } else {
      CheckCartridge(product.cartridge(), Field(path, "cartridge"), out);
    }
    return;
  }
  if (product.has_cartridge()) {
    out.push_back({Field(path, "cartridge"), "is only for needle cartridges"});
  }
  if (product.category().empty()) {
    out.push_back({Field(path, "category"),
                   "is required: the category treatment definitions ask for, e.g. "
                   "\"prp_kit\""});
  } else if (!definition_wording::IsDefinitionId(product.category())) {
    out.push_back({Field(path, "category"),
                   absl::StrCat(Quote(product.category()),
                                " is not an id as definitions write them: lowercase letters, "
                                "digits and underscores, starting with a letter")});
  }
}

void CheckLotNumber(absl::string_view lot_number, absl::string_view field,
                    std::vector<FieldViolation>& out) {
  const size_t before = out.size();
  ValidateText(lot_number, field, /*required=*/true, kMaxLotNumberChars, out);
  if (out.size() != before) return;
  if (absl::StripAsciiWhitespace(lot_number) != lot_number) {
    out.push_back({std::string(field), "must not begin or end with spaces"});
  }
}

void CheckUnits(int64_t units, int64_t min, absl::string_view field,
                std::vector<FieldViolation>& out) {
  if (units < min || units > kMaxUnits) {
    out.push_back(
        {std::string(field), absl::StrCat("must be ", min, " to ", kMaxUnits, "; got ", units)});
  }
}

}  // namespace clinic::inventory
