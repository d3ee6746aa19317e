// Clients created before the timed phases, for the operations that read or
// write existing clients (client_records_operations.cc implements it).
#ifndef CLINIC_TOOLS_CLINIC_BENCH_SEED_H_
#define CLINIC_TOOLS_CLINIC_BENCH_SEED_H_

#include "absl/status/status.h"
#include "tools/clinic_bench/fixture.h"

namespace clinic::bench {

// Creates `count` clients at the fixture's site with `concurrency` calls in
// flight and adds their names to the fixture. UNAVAILABLE with the first
// failure when not every one was created.
absl::Status SeedClients(Fixture& fixture, int count, int concurrency);

}  // namespace clinic::bench

#endif  // CLINIC_TOOLS_CLINIC_BENCH_SEED_H_
