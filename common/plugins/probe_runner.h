// Runs clinic-plugin-probe on one plugin file in a child process and reports
// what happened: the definition bytes, or the stage at which the plugin failed
// (including crashes and hangs, which only the child suffers). Called by the
// plugin host and the plugin checker.
#ifndef CLINIC_COMMON_PLUGINS_PROBE_RUNNER_H_
#define CLINIC_COMMON_PLUGINS_PROBE_RUNNER_H_

#include <string>

#include "absl/time/time.h"
#include "clinic/v1/treatment_catalog.pb.h"

namespace clinic::plugins {

struct ProbeOutcome {
  // PLUGIN_PROBLEM_STAGE_UNSPECIFIED when the probe succeeded.
  clinic::v1::PluginProblemStage stage = clinic::v1::PLUGIN_PROBLEM_STAGE_UNSPECIFIED;
  // A sentence explaining a failure.
  std::string reason;
  // The definition bytes on success.
  std::string definition;

  bool ok() const { return stage == clinic::v1::PLUGIN_PROBLEM_STAGE_UNSPECIFIED; }
};

// Runs `probe_path plugin_path`, waiting at most `timeout`. A probe that
// cannot be started at all is reported as a crash with the reason, so the
// plugin is refused rather than trusted blindly.
ProbeOutcome RunProbe(const std::string& probe_path, const std::string& plugin_path,
                      absl::Duration timeout);

}  // namespace clinic::plugins

#endif  // CLINIC_COMMON_PLUGINS_PROBE_RUNNER_H_
