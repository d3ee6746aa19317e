// What every clinicctl command is made of: the Command a file of commands
// registers, and the pieces each command's handler uses to reach a server
// (token, channel, call context, request id) and to print what comes back
// (text format or, with --json, JSON; tab-separated lines for lists; times
// and dates; enum values as short lowercase labels). Only clinicctl's own
// files include it.
#ifndef CLINIC_TOOLS_CLINICCTL_CLINICCTL_COMMON_H_
#define CLINIC_TOOLS_CLINICCTL_CLINICCTL_COMMON_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/generated_enum_reflection.h>
#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>
#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/strings/string_view.h"
#include "clinic/v1/common.pb.h"

ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(std::string, request_id);
ABSL_DECLARE_FLAG(std::string, site);
// Flags read by commands of more than one file.
ABSL_DECLARE_FLAG(std::string, client);
ABSL_DECLARE_FLAG(std::string, state);
ABSL_DECLARE_FLAG(int, quantity);
ABSL_DECLARE_FLAG(std::string, device);

namespace clinic::clinicctl {

// Exit statuses every command shares: 0 done, 1 the call failed (the code,
// message and field violations are on stderr), 2 the command line was wrong.
inline constexpr int kCallFailed = 1;
inline constexpr int kBadUsage = 2;

// One command: `clinicctl NAME ARGS...`.
struct Command {
  // "receive".
  std::string name;
  // Its arguments as the usage shows them, e.g. "SITE products/ID [--quantity=N]".
  // The number of arguments it takes is read from this: a word is required,
  // a word in [brackets] optional, a word ending in "..." may repeat, and
  // words starting with "--" or "[--" are flags, not arguments.
  std::string synopsis;
  // One line for the list of commands, lowercase, no full stop.
  std::string summary;
  // What `clinicctl help NAME` prints after the usage line and the summary.
  std::string help;
  // The flags it reads besides the global ones, without "--"; their help is
  // printed with its own.
  std::vector<std::string> flags;
  // Runs it with the arguments after its name, whose count is already
  // checked; returns the exit status.
  std::function<int(const std::vector<std::string>& args)> run;
};

// How many arguments `synopsis` takes, as Command::synopsis describes.
struct ArgCount {
  int min = 0;
  int max = 0;  // kAnyCount when a word may repeat
};
inline constexpr int kAnyCount = 1 << 20;
ArgCount CountArgs(absl::string_view synopsis);

// Every command, in the order the usage lists them, each under the heading
// of its area.
class Registry {
 public:
  struct Listed {
    std::string area;
    Command command;
  };

  // Commands added from now on are listed under `title`.
  void Area(std::string title) { area_ = std::move(title); }
  void Add(Command command);
  // nullptr when there is no such command.
  const Command* Find(absl::string_view name) const;
  const std::vector<Listed>& commands() const { return commands_; }

 private:
  std::string area_;
  std::vector<Listed> commands_;
};

// Each file of commands adds its own.
void AddCatalogCommands(Registry& registry);
void AddClientCommands(Registry& registry);
void AddChartCommands(Registry& registry);
void AddScreeningCommands(Registry& registry);
void AddStockCommands(Registry& registry);
void AddStockLedgerCommands(Registry& registry);
void AddRecallCommands(Registry& registry);
void AddAccessCommands(Registry& registry);
void AddAuditCommands(Registry& registry);
void AddBillingCommands(Registry& registry);
void AddInvoiceCommands(Registry& registry);
void AddBillingReportCommands(Registry& registry);

// The channel to --server (TLS as the flags ask), made once per run.
std::shared_ptr<grpc::Channel> Channel();
// A channel to one of several servers, for commands that read every process
// of a deployment; Servers() is --server split at commas.
std::shared_ptr<grpc::Channel> ChannelTo(const std::string& target);
std::vector<std::string> Servers();

// A context for one call: the bearer token (see clinicctl_main.cc), the
// person acted for (--on_behalf_of) and a deadline of --timeout_s.
std::unique_ptr<grpc::ClientContext> Context();
// The same without a deadline, for a stream that runs until it is stopped.
std::unique_ptr<grpc::ClientContext> StreamContext();

// --request_id, or a new random one for this run, said once on stderr so a
// run whose outcome is unknown can be retried with it.
const std::string& RequestId();

// The contents of `path` without surrounding whitespace; "" when unreadable.
std::string ReadFileOrEmpty(const std::string& path);

// Prints a failed call on stderr (code, message, reason, field violations)
// and returns kCallFailed.
int PrintError(const grpc::Status& status);

// A call's outcome: the error as PrintError does, or the response on stdout
// in text format (JSON with --json). Returns the exit status.
int Print(const grpc::Status& status, const google::protobuf::Message& response);

// One item of a list: its columns, tab-separated, on one line; with --json
// the item itself as one JSON object on one line.
void PrintRow(const google::protobuf::Message& item, const std::vector<std::string>& columns);

// `message` as one line of JSON with the proto field names.
std::string JsonLine(const google::protobuf::Message& message);

// Calls a List method page after page until the last, giving each page to
// `each`, so scripts see the whole list. Returns the exit status.
template <typename Stub, typename Request, typename Response, typename Each>
int ForEachPage(Stub& stub,
                grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                Request request, Each each) {
  do {
    Response response;
    const grpc::Status status = (stub.*method)(Context().get(), request, &response);
    if (!status.ok()) return PrintError(status);
    each(response);
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return 0;
}

// "2026-12-01T05:41:24Z"; "-" when the time was never set.
std::string FormatTime(const google::protobuf::Timestamp& time);
// "2027-06-30"; "-" when unset.
std::string FormatDate(const v1::Date& date);

// Parsers for arguments and flags: false, having said why on stderr, when
// `text` is not what is asked for.
bool ParseTime(const std::string& text, google::protobuf::Timestamp* out);
bool ParseDate(const std::string& text, v1::Date* out);
bool ParseInt(absl::string_view what, const std::string& text, int64_t* out);
// "LOT=12" into the lot and the number.
bool ParseLotCount(const std::string& text, std::string* lot, int64_t* count);

// An enum value as a short lowercase label, without the prefix every value
// of its enum shares: MOVEMENT_TYPE_TRANSFER_OUT -> "transfer_out".
std::string Label(const google::protobuf::EnumDescriptor* type, int value);
template <typename Enum>
std::string Label(Enum value) {
  return Label(google::protobuf::GetEnumDescriptor<Enum>(), static_cast<int>(value));
}

// A label (or the value's full name, in any case, with '-' for '_' if
// wished: bank-transfer) back into its enum; the unspecified value is
// refused. `what` names the argument in the error.
bool ParseLabel(const google::protobuf::EnumDescriptor* type, absl::string_view what,
                const std::string& text, int* out);
template <typename Enum>
bool ParseLabel(absl::string_view what, const std::string& text, Enum* out) {
  int value = 0;
  if (!ParseLabel(google::protobuf::GetEnumDescriptor<Enum>(), what, text, &value)) return false;
  *out = static_cast<Enum>(value);
  return true;
}

}  // namespace clinic::clinicctl

#endif  // CLINIC_TOOLS_CLINICCTL_CLINICCTL_COMMON_H_
