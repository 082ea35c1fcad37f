#!/bin/sh
# A lab node's first and every start: controller key, host key, initdb (first start only),
# sshd_config, PostgreSQL started with pg_ctl as postgres (walboard stops and starts it over ssh
# like on a real server), then sshd in the foreground. Runs as root, under docker's init
# (`init: true`), which reaps the orphans pg_ctl and ssh sessions leave.
set -eu
SETUP=/usr/local/lib/walboard/node-setup.sh
PGBIN=/usr/lib/postgresql/15/bin
PGDATA=/var/lib/postgresql/15/main
PGLOG=/var/log/postgresql/postgresql-15-main.log
# The postgres user's home is this node's volume: data dir, ssh host key, authorized_keys.
HOSTKEY_DIR=/var/lib/postgresql/sshd
# Shared with walboard: the controller's key pair, made by whichever node starts first.
KEYS=/lab-keys
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups env HOME=/var/lib/postgresql "$@"; }
say() { echo "[walboard-node $(hostname)] $*"; }

install -d -o postgres -g postgres -m 2775 /run/postgresql
install -d -o postgres -g postgres -m 0755 /var/log/postgresql
install -d -m 0755 /run/sshd
install -d -o root -g root -m 0700 "$HOSTKEY_DIR"
[ -f "$HOSTKEY_DIR/ssh_host_ed25519_key" ] ||
  ssh-keygen -q -t ed25519 -N '' -C "$(hostname)" -f "$HOSTKEY_DIR/ssh_host_ed25519_key"
say "ssh host key $(ssh-keygen -lf "$HOSTKEY_DIR/ssh_host_ed25519_key.pub")"

install -d -m 0700 "$KEYS"
flock "$KEYS/.lock" sh -c '[ -f "$1/id_ed25519" ] || ssh-keygen -q -t ed25519 -N "" -C walboard-lab -f "$1/id_ed25519"' keygen "$KEYS"
install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/.ssh
install -o postgres -g postgres -m 0600 "$KEYS/id_ed25519.pub" /var/lib/postgresql/.ssh/authorized_keys

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  secret=${POSTGRES_PASSWORD_FILE:-/run/secrets/pg_password}
  [ -s "$secret" ] || { say "no password in $secret: give the pg_password secret (see docker/README.md)"; exit 1; }
  install -d -o postgres -g postgres -m 0700 "$PGDATA"
  pwfile=$(mktemp)
  install -o postgres -g postgres -m 0600 "$secret" "$pwfile"
  as_postgres sh "$SETUP" initdb "$PGBIN" "$PGDATA" "$pwfile" scram-sha-256 sync
  rm -f "$pwfile"
  # `samenet`: the lab's compose network, whatever subnet docker gave it. Replication lines are
  # left to walboard's operations, as in the lab guide's starting point.
  as_postgres sh "$SETUP" pg-conf "$PGDATA" samenet scram-sha-256 bare
  say "initdb done: $PGDATA"
fi
sh "$SETUP" sshd-config /etc/ssh/walboard_sshd_config 0.0.0.0:22 \
  "$HOSTKEY_DIR/ssh_host_ed25519_key" /run/sshd.pid /var/lib/postgresql/.ssh/authorized_keys

if ! as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
  as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 start
fi

stop() {
  say 'stopping PostgreSQL and sshd'
  as_postgres "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop || true
  kill "$sshd_pid" 2>/dev/null || true
  exit 0
}
trap stop TERM INT
/usr/sbin/sshd -D -e -f /etc/ssh/walboard_sshd_config &
sshd_pid=$!
say "ready: sshd on :22, PostgreSQL 15 on :5432"
wait "$sshd_pid"
