// Names for the process's own threads, as `top -H`, `ps -L`, `perf` and
// debuggers show them, so an operator can tell which part of clinicd is
// busy: "ClientRecords" (a service's pool), "wr:audit" (the audit trail's
// writer), "rel:audit" (its release thread), "ckpt:audit" (its
// checkpointer). Without them every thread is called "clinicd".
#ifndef CLINIC_COMMON_CORE_THREAD_NAME_H_
#define CLINIC_COMMON_CORE_THREAD_NAME_H_

#include <string>

#include "absl/strings/string_view.h"

namespace clinic {

// Names the calling thread: `name` cut to the 15 bytes Linux keeps (at a
// character boundary). Failure is ignored; a name is only a help.
void NameThisThread(absl::string_view name);

// The calling thread's name ("" when it cannot be read), for tests.
std::string ThisThreadName();

// A short tag for a database file in a thread name: its file name without
// directory and ".db" ("/data/client_records.db" -> "client_records").
std::string DatabaseTag(absl::string_view path);

}  // namespace clinic

#endif  // CLINIC_COMMON_CORE_THREAD_NAME_H_
