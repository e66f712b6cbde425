# Setup steps shared by scripts/test and .ci/run. Each is idempotent: it installs only
# what is missing, so a developer machine that has everything pays nothing.

# Debian packages the build and the tests need: a C toolchain for linking, git and
# certificates, PostgreSQL, Chromium and fonts for the service and browser tests, poppler-utils
# (pdftoppm, pdfinfo, pdffonts) for the report's PDF tests, Python 3 for the Python
# package's tests and scripts/check-feature-union.
setup_system_packages() {
  local want=(build-essential pkg-config ca-certificates git python3 postgresql chromium chromium-driver fonts-dejavu-core poppler-utils)
  local missing=()
  for p in "${want[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# The Rust toolchain pinned in rust-toolchain.toml (with rustfmt and clippy), through
# rustup; rustup fetches the pinned version on first use when it can.
setup_rust() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    echo "setup_rust: cargo not found: install rustup; it reads rust-toolchain.toml" >&2
    return 1
  fi
  cargo --version >/dev/null
}

# cargo-nextest runs the tests when present; scripts/test falls back to `cargo test`.
setup_nextest() {
  if ! cargo nextest --version >/dev/null 2>&1; then
    echo "cargo-nextest not found: using cargo test (install it with: cargo install cargo-nextest --locked)"
  fi
}

# The shared real data beside the repository: the real-data tests fail loudly without it.
check_shared_data() {
  local dir="${OA_SHARED_DATA:-../shared/data}"
  if [ ! -d "$dir/imd2019" ]; then
    echo "warning: shared data not found at $dir (set OA_SHARED_DATA); the real-data tests will fail" >&2
  fi
}

# Starts PostgreSQL on loopback for the store tests and exports OA_TEST_DATABASE_URL
# (role and database `oa_test`, password auth over 127.0.0.1). Uses Debian's cluster tools;
# as root it runs them directly, otherwise through sudo.
setup_postgres() {
  if [ -n "${OA_TEST_DATABASE_URL:-}" ] && psql "$OA_TEST_DATABASE_URL" -qAtc 'select 1' >/dev/null 2>&1; then
    echo "PostgreSQL: using OA_TEST_DATABASE_URL as set"
    return 0
  fi
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "setup_postgres: pg_ctlcluster not found: install Debian's postgresql package" >&2
    return 1
  fi
  # A half-configured postgresql-common (unpacked, not configured) still works, but finish
  # its configuration when dpkg left it pending.
  if dpkg -s postgresql-common 2>/dev/null | grep -q 'Status: install ok unpacked'; then
    DEBIAN_FRONTEND=noninteractive $sudo dpkg --configure -a >/dev/null 2>&1 || true
  fi
  local version
  version=$(ls /usr/lib/postgresql | sort -V | tail -1)
  if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
    $sudo pg_createcluster "$version" main >/dev/null
  fi
  local port
  port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
  if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
    $sudo pg_ctlcluster "$version" main start
  fi
  local i
  for i in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
  done
  pg_isready -q -h 127.0.0.1 -p "$port" || { echo "setup_postgres: PostgreSQL did not start on 127.0.0.1:$port" >&2; return 1; }
  local as_postgres=(su postgres -c)
  [ "$(id -u)" = 0 ] || as_postgres=(sudo -u postgres sh -c)
  "${as_postgres[@]}" "psql -p $port -qAtc \"SELECT 1 FROM pg_roles WHERE rolname = 'oa_test'\" | grep -q 1 || psql -p $port -qc \"CREATE ROLE oa_test LOGIN PASSWORD 'oa_test'\"" >/dev/null
  "${as_postgres[@]}" "psql -p $port -qAtc \"SELECT 1 FROM pg_database WHERE datname = 'oa_test'\" | grep -q 1 || createdb -p $port -O oa_test oa_test" >/dev/null
  export OA_TEST_DATABASE_URL="postgres://oa_test:oa_test@127.0.0.1:$port/oa_test"
  echo "PostgreSQL $version on 127.0.0.1:$port: OA_TEST_DATABASE_URL=$OA_TEST_DATABASE_URL"
}

# Installs the browser-test packages (Playwright core, axe-core) for the dashboard tests.
setup_browser() {
  # The dashboard's end-to-end tests: playwright-core and axe-core from the npm registry
  # (pinned by e2e/package-lock.json). No browser is downloaded: they drive Debian's
  # chromium (/usr/bin/chromium), which the system setup installs.
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "installing Debian packages: nodejs npm (playwright-core wants Node.js 20 or later)"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  if [ ! -x /usr/bin/chromium ]; then
    echo "setup_browser: /usr/bin/chromium is missing: apt-get install chromium" >&2
    return 1
  fi
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --prefix "$(dirname "${BASH_SOURCE[0]}")/../../e2e"
}

# The Python package's test environment: a venv under the repository (.venv-test,
# git-ignored) with maturin to build the wheel and the test requirements (pinned), from
# PyPI. Reinstalls only when the requirements file changes.
setup_python_tests() {
  local root venv req
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  venv="$root/.venv-test"
  req="$root/crates/oa-python/tests/requirements.txt"
  if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -m venv "$venv" 2>/dev/null; then
      local sudo=""
      [ "$(id -u)" = 0 ] || sudo=sudo
      $sudo apt-get update -qq || return
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-venv >/dev/null || return
      python3 -m venv "$venv" || return
    fi
  fi
  # Each step returns on failure: scripts/test calls this where `set -e` does not hold,
  # and a failed install must not be recorded as done.
  if ! cmp -s "$req" "$venv/.requirements"; then
    "$venv/bin/pip" install -q -r "$req" || return
    cp "$req" "$venv/.requirements"
  fi
}
