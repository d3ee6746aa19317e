#include "tests/integration/hostile_input_env.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/testing/test_env.h"

extern char** environ;

namespace clinic::hostile {

ClinicdProcess::ClinicdProcess(std::string config_path, std::string data_dir,
                               std::string plugin_dir, std::string work_dir)
    : config_path_(std::move(config_path)),
      data_dir_(std::move(data_dir)),
      plugin_dir_(std::move(plugin_dir)),
      work_dir_(std::move(work_dir)) {}

ClinicdProcess::~ClinicdProcess() { Stop(); }

bool ClinicdProcess::Start(std::string* error) {
  Stop();
  ++starts_;
  const std::string port_file = work_dir_ + "/port";
  std::remove(port_file.c_str());
  log_path_ = absl::StrCat(work_dir_, "/clinicd-", starts_, ".log");
  const std::vector<std::string> args = {clinic::testing::BinaryPath("clinicd"),
                                         "--config=" + config_path_,
                                         "--listen=127.0.0.1:0",
                                         "--data_dir=" + data_dir_,
                                         "--plugin_dir=" + plugin_dir_,
                                         "--port_file=" + port_file,
                                         "--log_level=warning"};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    pid_ = -1;
    *error = absl::StrCat("cannot start ", args[0], ": error ", spawned);
    return false;
  }
  // Waits for the condition (the port file written, or the process gone)
  // with a deadline; the server writes the file once it listens.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string text = clinic::testing::ReadFile(port_file);
    if (!text.empty() && text.back() == '\n') {
      port_ = std::stoi(text);
      return true;
    }
    std::string how;
    if (!Alive(&how)) {
      *error = absl::StrCat("clinicd ", how, " while starting: ", LogTail(2000));
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *error = "clinicd did not report its port within 30 s: " + LogTail(2000);
  return false;
}

bool ClinicdProcess::Alive(std::string* how) {
  if (pid_ <= 0) {
    if (how != nullptr) *how = "is not running";
    return false;
  }
  int status = 0;
  const pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done == 0) return true;
  pid_ = -1;
  if (how != nullptr) {
    *how = WIFSIGNALED(status) ? absl::StrCat("was killed by signal ", WTERMSIG(status))
                               : absl::StrCat("exited with code ", WEXITSTATUS(status));
  }
  return false;
}

void ClinicdProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

std::string ClinicdProcess::LogTail(size_t bytes) const {
  const std::string log = clinic::testing::ReadFile(log_path_);
  return log.size() <= bytes ? log : "..." + log.substr(log.size() - bytes);
}

namespace {

std::string TableRows(SQLite::Database& db, const std::string& table) {
  std::string rows;
  // The table name comes from sqlite_master of a database the test made.
  SQLite::Statement query(db, "SELECT * FROM \"" + table + "\"");
  size_t count = 0;
  while (query.executeStep()) {
    ++count;
    for (int i = 0; i < query.getColumnCount(); ++i) {
      const SQLite::Column column = query.getColumn(i);
      const std::string value = column.isNull()
                                    ? std::string("\x01NULL")
                                    : std::string(static_cast<const char*>(column.getBlob()),
                                                  static_cast<size_t>(column.getBytes()));
      absl::StrAppend(&rows, value.size(), ":", value, "|");
    }
    rows.push_back('\n');
  }
  return absl::StrCat(count, " rows\n", rows);
}

}  // namespace

// Waits (up to 10 s) until every entry in each store's outbox has had its
// first delivery attempt: a call answered OK hands work to a worker that
// writes to another service afterwards (a treatment's charge to Billing, a
// recall's notices to ClientRecords), which a snapshot must not catch half
// way.
void AwaitFirstDeliveries(const std::string& data_dir) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  for (const char* store : {"/client_records.db", "/inventory.db"}) {
    while (absl::Now() < deadline) {
      try {
        SQLite::Database db(data_dir + store, SQLite::OPEN_READONLY);
        db.exec("PRAGMA busy_timeout = 5000");
        SQLite::Statement waiting(db, "SELECT COUNT(*) FROM outbox WHERE attempts = 0");
        if (!waiting.executeStep() || waiting.getColumn(0).getInt64() == 0) break;
      } catch (const SQLite::Exception&) {
        break;  // no store or no outbox yet: nothing is on its way
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
  }
}

Snapshot TakeSnapshot(const std::string& data_dir) {
  AwaitFirstDeliveries(data_dir);
  Snapshot snapshot;
  DIR* dir = opendir(data_dir.c_str());
  if (dir == nullptr) return snapshot;
  std::vector<std::string> files;
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (absl::EndsWith(name, ".db") && name != "audit.db") files.push_back(name);
  }
  closedir(dir);
  for (const std::string& file : files) {
    try {
      SQLite::Database db(data_dir + "/" + file, SQLite::OPEN_READONLY);
      db.exec("PRAGMA busy_timeout = 5000");
      std::vector<std::string> tables;
      SQLite::Statement list(db,
                             "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
                             "LIKE 'sqlite_%' AND name != 'request_log' ORDER BY name");
      while (list.executeStep()) tables.push_back(list.getColumn(0).getString());
      for (const std::string& table : tables) {
        snapshot[file + "/" + table] = TableRows(db, table);
      }
    } catch (const SQLite::Exception& e) {
      snapshot[file] = absl::StrCat("unreadable: ", e.what());
    }
  }
  return snapshot;
}

std::vector<std::string> Differences(const Snapshot& before, const Snapshot& after) {
  std::vector<std::string> changed;
  auto rows = [](const std::string& text) { return std::atol(text.c_str()); };
  for (const auto& [table, content] : after) {
    auto it = before.find(table);
    if (it == before.end()) {
      changed.push_back(table + " (new)");
    } else if (it->second != content) {
      const long delta = rows(content) - rows(it->second);
      changed.push_back(absl::StrCat(table, " (", delta >= 0 ? "+" : "", delta, " rows)"));
    }
  }
  for (const auto& [table, content] : before) {
    if (after.count(table) == 0) changed.push_back(table + " (gone)");
  }
  return changed;
}

std::vector<v1::AuditEvent> AuditEventsAfter(const std::string& audit_db, int64_t after_sequence,
                                             int64_t* last_sequence, std::string* error) {
  std::vector<v1::AuditEvent> events;
  *last_sequence = after_sequence;
  try {
    SQLite::Database db(audit_db, SQLite::OPEN_READONLY);
    db.exec("PRAGMA busy_timeout = 5000");
    SQLite::Statement query(
        db, "SELECT sequence, event FROM audit_events WHERE sequence > ? ORDER BY sequence");
    query.bind(1, static_cast<int64_t>(after_sequence));
    while (query.executeStep()) {
      *last_sequence = query.getColumn(0).getInt64();
      const SQLite::Column blob = query.getColumn(1);
      v1::AuditEvent event;
      if (!event.ParseFromArray(blob.getBlob(), blob.getBytes())) {
        *error = absl::StrCat("audit event ", *last_sequence, " does not parse");
        continue;
      }
      events.push_back(std::move(event));
    }
  } catch (const SQLite::Exception& e) {
    *error = absl::StrCat("cannot read ", audit_db, ": ", e.what());
  }
  return events;
}

}  // namespace clinic::hostile
