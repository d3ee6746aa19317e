// The contract between the plugin host and clinic-plugin-probe, the small
// program that loads a plugin in a child process before the host trusts it.
// The probe writes the definition bytes to stdout and exits 0, or writes one
// sentence to stderr and exits with one of these codes. A crash or a hang is
// seen by the host as a signal or a timeout. Only the host and the probe
// include this header.
#ifndef CLINIC_COMMON_PLUGINS_PROBE_PROTOCOL_H_
#define CLINIC_COMMON_PLUGINS_PROBE_PROTOCOL_H_

namespace clinic::plugins {

inline constexpr int kProbeOk = 0;
// Usage error: the probe was called wrongly, not a plugin problem.
inline constexpr int kProbeUsage = 2;
// dlopen failed: not a shared library, missing dependency, unreadable.
inline constexpr int kProbeOpenFailed = 10;
// The entry symbol is missing.
inline constexpr int kProbeSymbolMissing = 11;
// The entry returned nothing, bad magic, another ABI version or a short struct.
inline constexpr int kProbeAbiMismatch = 12;
// get_definition is missing or reported failure.
inline constexpr int kProbeDefinitionFailed = 13;

// Largest definition accepted, so a broken plugin cannot exhaust memory.
inline constexpr unsigned long kMaxDefinitionBytes = 8ul * 1024 * 1024;

}  // namespace clinic::plugins

#endif  // CLINIC_COMMON_PLUGINS_PROBE_PROTOCOL_H_
