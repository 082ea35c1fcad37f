#!/usr/bin/env bash
# Docker's compose v2 plugin (`docker compose`) for e2e/install/docker-compose.test.ts.
# Debian 12 packages only docker-compose 1.29; Debian 13 (trixie) packages compose v2 as a docker
# CLI plugin. apt itself fetches that one package from trixie with a private sources list and
# private state dirs (so the machine's apt sources and package database stay untouched), checking
# trixie's Release signature with Debian's archive keyring and the .deb's hash as for any package;
# the plugin binary is then copied where the docker CLI looks for plugins.
set -euo pipefail

dest=/usr/local/lib/docker/cli-plugins/docker-compose
if docker compose version >/dev/null 2>&1; then
  echo "compose v2: $(docker compose version --short) already present"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/etc" "$work/lists/partial" "$work/cache/archives/partial"
cat >"$work/etc/trixie.sources" <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
apt_opts=(
  -o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/etc"
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
  -o "Dir::State::status=/dev/null" -o "APT::Sandbox::User=root"
)
apt-get "${apt_opts[@]}" -qq update
(cd "$work" && apt-get "${apt_opts[@]}" -qq download docker-compose)
deb=$(ls "$work"/docker-compose_2.*.deb)
dpkg-deb -x "$deb" "$work/root"
install -D -m 0755 "$work/root/usr/libexec/docker/cli-plugins/docker-compose" "$dest"
echo "compose v2: $(docker compose version --short) installed as $dest (from $(basename "$deb"))"
