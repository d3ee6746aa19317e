#include "common/storage/paging.h"

#include <algorithm>
#include <memory>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/core/status.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace clinic::storage {
namespace {

// server.max_message_bytes when the config leaves it unset (gRPC's default).
constexpr int64_t kDefaultMaxMessageBytes = int64_t{4} << 20;

// A repeated field's tag and the varint of an item's length.
constexpr size_t kItemFramingBytes = 6;

std::string NegativePageSize(int32_t page_size) {
  return absl::StrCat("must not be negative, got ", page_size);
}

}  // namespace

size_t PageBudgetBytes(const config::v1::ServerConfig& config) {
  const int64_t max_message = config.server().max_message_bytes() > 0
                                  ? config.server().max_message_bytes()
                                  : kDefaultMaxMessageBytes;
  return static_cast<size_t>(
      std::min<int64_t>(static_cast<int64_t>(kMaxPageBudgetBytes), max_message / 2));
}

size_t PageItemBytes(const google::protobuf::Message& item) {
  return item.ByteSizeLong() + kItemFramingBytes;
}

std::string QueryFingerprint(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> query(request.New());
  query->CopyFrom(request);
  const google::protobuf::Descriptor* descriptor = query->GetDescriptor();
  for (const char* paging_field : {"page_size", "page_token"}) {
    if (const google::protobuf::FieldDescriptor* field = descriptor->FindFieldByName(paging_field);
        field != nullptr) {
      query->GetReflection()->ClearField(query.get(), field);
    }
  }
  // Deterministic, so map fields in any order fingerprint alike.
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    query->SerializeToCodedStream(&coded);
  }
  return bytes;
}

void CheckPageSize(int32_t page_size, std::vector<FieldViolation>& out) {
  if (page_size < 0) out.push_back({"page_size", NegativePageSize(page_size)});
}

absl::StatusOr<PageRequest> StartPage(const PageTokens& tokens, absl::string_view scope,
                                      absl::string_view query_fingerprint, int32_t page_size,
                                      absl::string_view page_token, PageSizes sizes) {
  if (page_size < 0) {
    return InvalidField("page_size", NegativePageSize(page_size));
  }
  const int size = page_size == 0 ? sizes.default_size : std::min(page_size, sizes.max_size);
  if (page_token.size() > kMaxPageTokenChars) return BadPageToken();
  absl::StatusOr<std::string> cursor = tokens.Decode(scope, query_fingerprint, page_token);
  if (!cursor.ok()) return cursor.status();
  return PageRequest(tokens, scope, query_fingerprint, size, *std::move(cursor));
}

bool PageBuilder::Offer(const google::protobuf::Message& item, absl::string_view cursor) {
  if (complete_) return false;
  if (kept_ == request_.size()) {
    complete_ = true;
    return false;
  }
  const size_t bytes = PageItemBytes(item);
  if (kept_ > 0 && used_bytes_ + bytes > budget_bytes_) {
    complete_ = true;
    return false;
  }
  used_bytes_ += bytes;
  ++kept_;
  last_cursor_.assign(cursor.data(), cursor.size());
  return true;
}

void PageBuilder::StopAt(absl::string_view cursor) {
  complete_ = true;
  last_cursor_.assign(cursor.data(), cursor.size());
}

std::string PageBuilder::next_page_token() const {
  if (!complete_) return std::string();
  return request_.tokens_->Encode(request_.scope_, request_.query_, last_cursor_);
}

std::string TimeIdCursor::Format() const { return absl::StrCat(unix_ms, "/", id); }

absl::StatusOr<TimeIdCursor> ParseTimeIdCursor(const PageRequest& page) {
  if (page.first_page()) return TimeIdCursor{};
  const std::vector<absl::string_view> parts = absl::StrSplit(page.cursor(), '/');
  TimeIdCursor cursor;
  if (parts.size() != 2 || parts[1].empty() || !absl::SimpleAtoi(parts[0], &cursor.unix_ms)) {
    return BadPageToken();
  }
  cursor.id = std::string(parts[1]);
  return cursor;
}

}  // namespace clinic::storage
