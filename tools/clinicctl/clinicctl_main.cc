// clinicctl: the command line for staff and scripts. Talks to any Clinic Core
// process over gRPC and prints responses in protobuf text format (JSON with
// --json); lists print one tab-separated line per item. Errors go to stderr
// with the field details, and the exit status is non-zero: 1 when a call
// failed, 2 when the command line was wrong.
//
//   clinicctl [--server=127.0.0.1:50051] treatment-types
//   clinicctl help                 every command
//   clinicctl help stock           one command, its arguments and flags
//   clinicctl stock --help         the same
//
// Commands live in files by area (catalog_commands.cc, stock_commands.cc,
// ...), each registering its own with a name, synopsis, summary, help and
// handler; this file parses the flags, prints help and dispatches.
//
// It authenticates with a bearer token: --token_file, else $CLINIC_TOKEN,
// else $CLINIC_TOKEN_FILE, else ./data/admin.token (the first admin's token
// that quickstart creates). Tokens are secrets, so there is no flag that
// takes one on the command line, where other users could read it.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/core/text.h"
#include "tools/clinicctl/clinicctl_common.h"

namespace clinic::clinicctl {
namespace {

// Where summaries start in the list of commands.
constexpr size_t kSummaryColumn = 38;

constexpr char kGlobalFlags[] =
    "global flags:\n"
    "  --server=HOST:PORT   the Clinic Core process (default 127.0.0.1:50051)\n"
    "  --token_file=FILE    the bearer token (default $CLINIC_TOKEN, $CLINIC_TOKEN_FILE,\n"
    "                       then ./data/admin.token)\n"
    "  --json               responses as JSON, lists as one JSON object per line\n"
    "  --timeout_s, --on_behalf_of, --tls, --tls_ca, --tls_cert, --tls_key,\n"
    "  --tls_server_name    see clinicctl --helpfull\n";

Registry& Commands() {
  static Registry* registry = [] {
    auto* made = new Registry();
    made->Area("general");
    made->Add({"help",
               "[COMMAND]",
               "list the commands, or describe one",
               "Without a command, lists every command. With one, prints its usage, what it\n"
               "does and the flags it reads; `clinicctl COMMAND --help` does the same.",
               {},
               nullptr});
    AddCatalogCommands(*made);
    AddClientCommands(*made);
    AddChartCommands(*made);
    AddScreeningCommands(*made);
    AddStockCommands(*made);
    AddStockLedgerCommands(*made);
    AddRecallCommands(*made);
    AddAccessCommands(*made);
    AddAuditCommands(*made);
    AddBillingCommands(*made);
    AddInvoiceCommands(*made);
    AddBillingReportCommands(*made);
    return made;
  }();
  return *registry;
}

std::string Usage() {
  std::string text =
      "usage: clinicctl [FLAGS] COMMAND [ARGS]\n"
      "Exit status: 0 done, 1 the call failed (code, message and fields on stderr), 2 the\n"
      "command line was wrong. `clinicctl help COMMAND` describes one command. Write\n"
      "commands print the request_id they send on stderr: rerun with --request_id=ID to\n"
      "retry one whose outcome is unknown, and it cannot act twice.\n";
  std::string area;
  for (const Registry::Listed& listed : Commands().commands()) {
    const Command& command = listed.command;
    if (listed.area != area) {
      area = listed.area;
      absl::StrAppend(&text, "\n", area, ":\n");
    }
    std::string left = absl::StrCat("  ", command.name, " ", command.synopsis);
    if (left.size() + 2 > kSummaryColumn) {
      absl::StrAppend(&text, left, "\n");
      left.clear();
    }
    left.resize(kSummaryColumn, ' ');
    absl::StrAppend(&text, left, command.summary, "\n");
  }
  absl::StrAppend(&text, "\n", kGlobalFlags);
  return text;
}

std::string UsageLine(const Command& command) {
  return absl::StrCat("usage: clinicctl ", command.name, " ", command.synopsis, "\n");
}

// `text` in lines of at most kWidth characters, each starting with `indent`.
std::string Wrap(absl::string_view text, size_t indent) {
  constexpr size_t kWidth = 80;
  std::string out, line;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipWhitespace())) {
    if (!line.empty() && indent + line.size() + 1 + word.size() > kWidth) {
      absl::StrAppend(&out, std::string(indent, ' '), line, "\n");
      line.clear();
    }
    absl::StrAppend(&line, line.empty() ? "" : " ", word);
  }
  if (!line.empty()) absl::StrAppend(&out, std::string(indent, ' '), line, "\n");
  return out;
}

// A flag's help without the commands it starts with ("receive, consume: "),
// which --helpfull needs and a command's own help does not.
absl::string_view WithoutCommands(absl::string_view help) {
  const size_t colon = help.find(": ");
  if (colon == absl::string_view::npos) return help;
  for (char c : help.substr(0, colon)) {
    if (!absl::ascii_islower(c) && c != '-' && c != ',' && c != ' ') return help;
  }
  return help.substr(colon + 2);
}

std::string Help(const Command& command) {
  std::string text = absl::StrCat(UsageLine(command), "\n", command.summary, ".\n");
  if (!command.help.empty()) absl::StrAppend(&text, "\n", command.help, "\n");
  if (!command.flags.empty()) absl::StrAppend(&text, "\nflags:\n");
  for (const std::string& name : command.flags) {
    absl::StrAppend(&text, "  --", name, "\n");
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) continue;
    std::string help(WithoutCommands(flag->Help()));
    if (!flag->DefaultValue().empty() && flag->DefaultValue() != "false") {
      absl::StrAppend(&help, " Default ", flag->DefaultValue(), ".");
    }
    absl::StrAppend(&text, Wrap(help, 6));
  }
  absl::StrAppend(&text, "\n", kGlobalFlags);
  return text;
}

int PrintHelp(const std::string& name) {
  if (name.empty()) {
    std::fputs(Usage().c_str(), stdout);
    return 0;
  }
  const Command* command = Commands().Find(name);
  if (command == nullptr) {
    std::fprintf(stderr, "error: no command %s\n%s", Quote(name).c_str(), Usage().c_str());
    return kBadUsage;
  }
  std::fputs(Help(*command).c_str(), stdout);
  return 0;
}

bool IsHelpFlag(absl::string_view arg) { return arg == "--help" || arg == "-help" || arg == "-h"; }

// absl reads every argument that starts with '-' as a flag, so a negative
// number (adjust's change, -2) would be refused as an unknown flag. Such
// arguments are swapped for placeholders before the flags are parsed and
// put back after.
bool IsNegativeNumber(absl::string_view arg) {
  return arg.size() >= 2 && arg[0] == '-' && arg[1] >= '0' && arg[1] <= '9';
}

// Flag names are identifiers (--as_of), but commands read as words with
// hyphens (set-price), so --as-of is taken for --as_of. Only the name
// changes; the value after '=' is kept as typed.
std::string WithUnderscores(absl::string_view arg) {
  const size_t equals = std::min(arg.find('='), arg.size());
  std::string name(arg.substr(0, equals));
  std::replace(name.begin() + 2, name.end(), '-', '_');
  return absl::StrCat(name, arg.substr(equals));
}

// The arguments after the program's name, with the flags parsed and taken
// out; `help` says whether --help (or -h) was among them.
std::vector<std::string> ParseArgs(int argc, char** argv, bool& help) {
  std::vector<std::string> kept;
  std::vector<std::string> negatives;
  bool positional_only = false;
  for (int i = 0; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (i > 0 && !positional_only) {
      if (arg == "--") positional_only = true;
      if (IsHelpFlag(arg)) {
        help = true;
        continue;
      }
      if (IsNegativeNumber(arg)) {
        kept.push_back(absl::StrCat("\x1f", negatives.size()));
        negatives.emplace_back(arg);
        continue;
      }
      if (absl::StartsWith(arg, "--") && arg.size() > 2) {
        kept.push_back(WithUnderscores(arg));
        continue;
      }
    }
    kept.emplace_back(arg);
  }
  std::vector<char*> pointers;
  for (std::string& arg : kept) pointers.push_back(arg.data());
  const std::vector<char*> parsed =
      absl::ParseCommandLine(static_cast<int>(pointers.size()), pointers.data());
  std::vector<std::string> args;
  for (size_t i = 1; i < parsed.size(); ++i) {
    std::string arg = parsed[i];
    size_t index = 0;
    if (absl::StartsWith(arg, "\x1f") && absl::SimpleAtoi(arg.substr(1), &index) &&
        index < negatives.size()) {
      arg = negatives[index];
    }
    args.push_back(std::move(arg));
  }
  return args;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(Usage());
  bool help = false;
  std::vector<std::string> args = ParseArgs(argc, argv, help);
  if (args.empty()) {
    if (help) return PrintHelp("");
    std::fputs(Usage().c_str(), stderr);
    return kBadUsage;
  }
  const std::string name = args[0];
  args.erase(args.begin());
  if (name == "help") {
    if (args.size() > 1) {
      std::fputs(UsageLine(*Commands().Find("help")).c_str(), stderr);
      return kBadUsage;
    }
    return PrintHelp(args.empty() ? "" : args[0]);
  }
  const Command* command = Commands().Find(name);
  if (command == nullptr) {
    if (help) return PrintHelp("");
    std::fprintf(stderr, "error: no command %s\n%s", Quote(name).c_str(), Usage().c_str());
    return kBadUsage;
  }
  if (help) return PrintHelp(name);
  const ArgCount count = CountArgs(command->synopsis);
  if (static_cast<int>(args.size()) < count.min || static_cast<int>(args.size()) > count.max) {
    std::fprintf(stderr, "%s%s; `clinicctl help %s` says more\n", UsageLine(*command).c_str(),
                 command->summary.c_str(), name.c_str());
    return kBadUsage;
  }
  return command->run(args);
}

}  // namespace
}  // namespace clinic::clinicctl

int main(int argc, char** argv) { return clinic::clinicctl::Main(argc, argv); }
