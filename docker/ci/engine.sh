#!/usr/bin/env bash
# A Docker engine for CI on a machine that has only the docker client: Debian's docker.io (dockerd),
# docker-compose and debootstrap are installed when missing, and dockerd is started when no engine
# answers. `stop` ends only a dockerd this script started (its pid file), so a machine's own engine is
# never touched.   Usage: docker/ci/engine.sh start|stop
set -euo pipefail
state="${SES_EMULATOR_CI_CACHE:-/var/cache/ses-emulator-ci}"
pidfile="$state/dockerd.pid"

start() {
  mkdir -p "$state"
  local need=()
  command -v dockerd >/dev/null || need+=(docker.io)
  command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || need+=(docker-compose)
  command -v debootstrap >/dev/null || need+=(debootstrap)
  if [ ${#need[@]} -gt 0 ]; then
    local t=$SECONDS
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
    echo "engine: apt-get install ${need[*]}: $((SECONDS - t)) s"
  fi
  if docker info >/dev/null 2>&1; then
    echo "engine: a Docker engine already answers ($(docker info --format '{{.ServerVersion}}'))"
    return 0
  fi
  local t=$SECONDS
  setsid dockerd >"$state/dockerd.log" 2>&1 < /dev/null &
  echo $! >"$pidfile"
  for _ in $(seq 1 120); do
    if docker info >/dev/null 2>&1; then
      echo "engine: dockerd $(docker info --format '{{.ServerVersion}}') started (pid $(cat "$pidfile")) in $((SECONDS - t)) s"
      return 0
    fi
    kill -0 "$(cat "$pidfile")" 2>/dev/null || break
    sleep 0.5
  done
  echo "engine: dockerd did not start; its log:" >&2
  tail -n 30 "$state/dockerd.log" >&2
  return 1
}

stop() {
  [ -s "$pidfile" ] || return 0
  local pid
  pid="$(cat "$pidfile")"
  rm -f "$pidfile"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    echo "engine: dockerd (pid $pid) stopped"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
