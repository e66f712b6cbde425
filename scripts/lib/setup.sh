# Setup steps shared by scripts/test and .ci/run. Each is idempotent: it installs only
# what is missing, so a developer machine that has everything pays nothing.

# Debian packages the tests need.
setup_system_packages() {
  local want=(postgresql chromium chromium-driver fonts-dejavu-core)
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

# Starts PostgreSQL on loopback for the store tests and exports OA_TEST_DATABASE_URL.
setup_postgres() {
  :
}

# Installs the browser-test packages (Playwright core, axe-core) for the dashboard tests.
setup_browser() {
  :
}
