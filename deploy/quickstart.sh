#!/usr/bin/env bash
# One command from a fresh Debian machine to a running Clinic Core: installs
# what is missing, builds, and starts clinicd (every service in one process)
# with the demo chain config, the bundled plugins and data in ./data.
# On the first run it creates the chain admin staff/admin and writes its
# token to ./data/admin.token, which clinicctl reads when run from here.
# Stop it with Ctrl-C; reload plugins with `kill -HUP $(cat data/clinicd.pid)`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/install-deps.sh
bash deploy/build.sh clinicd clinicctl clinic-plugin-probe clinic-plugin-check \
  clinic_bundled_plugins
build_dir=${CLINIC_BUILD_DIR:-build}
echo
echo "Starting clinicd with deploy/config/clinicd.textproto (data in ./data)"
echo "In another terminal, from this folder: $build_dir/bin/clinicctl whoami"
echo "Reload plugins after changing them: kill -HUP \$(cat data/clinicd.pid)"
exec "$build_dir/bin/clinicd" --config=deploy/config/clinicd.textproto \
  --plugin_dir="$build_dir/plugins" --bootstrap_admin_token=data/admin.token \
  --pid_file=data/clinicd.pid "$@"
