#!/bin/sh
# Starts walboard in the Docker lab: secrets (docker secrets are files) become the environment
# variables walboard.yaml names, the controller key the nodes made is copied to walboard's own
# volume, then the server runs as the unprivileged `node` user.
set -eu
KEYS=/lab-keys
say() { echo "[walboard-entrypoint] $*"; }

# The first node to start makes the key pair; walboard reads the key once at start.
i=0
while [ ! -s "$KEYS/id_ed25519" ]; do
  i=$((i + 1))
  [ "$i" -le 120 ] || { say "no controller key in $KEYS after 60 s: are pg1 and pg2 running? (docker compose logs pg1)"; exit 1; }
  sleep 0.5
done
install -o node -g node -m 0600 "$KEYS/id_ed25519" /var/lib/walboard/ssh/id_ed25519

read_secret() {
  [ -s "/run/secrets/$1" ] || { say "missing secret $1 (/run/secrets/$1): see docker/README.md"; exit 1; }
  # The file's first line, without its newline.
  head -n 1 "/run/secrets/$1" | tr -d '\r\n'
}
LAB_PGPASSWORD=$(read_secret pg_password)
WALBOARD_ADMIN_PASSWORD=$(read_secret admin_password)
export LAB_PGPASSWORD WALBOARD_ADMIN_PASSWORD

# JSON log lines (no terminal): `docker compose logs walboard` reads them, as a collector would.
exec setpriv --reuid=node --regid=node --init-groups env HOME=/home/node \
  walboard --config /etc/walboard/walboard.yaml "$@"
