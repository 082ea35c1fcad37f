#!/bin/sh
# The setup of one PostgreSQL "server" (PostgreSQL + sshd), shared by the Docker lab's node
# containers (docker/node-entrypoint.sh) and the e2e test hosts (e2e/hosts/postgres-host.ts and
# sshd.ts run this file's text with `sh -c`), so the lab a user starts with docker-compose and the
# hosts the tests drive get the same initdb flags, the same postgresql.conf / pg_hba.conf lines
# and the same sshd_config. Run it as the user that owns the files it touches (initdb and
# pg-conf: postgres; sshd-config: root).
#
#   node-setup.sh initdb BINDIR DATADIR PWFILE AUTH sync|no-sync
#   node-setup.sh pg-conf DATADIR CLIENTS AUTH bare|replication
#   node-setup.sh sshd-config FILE LISTEN HOSTKEY PIDFILE AUTHORIZED_KEYS
#
# AUTH: scram-sha-256 (md5 before PostgreSQL 14). CLIENTS: a CIDR range, or `samenet`.
set -eu

usage() {
  echo "node-setup.sh: $1" >&2
  echo 'usage: node-setup.sh initdb BINDIR DATADIR PWFILE AUTH sync|no-sync | pg-conf DATADIR CLIENTS AUTH bare|replication | sshd-config FILE LISTEN HOSTKEY PIDFILE AUTHORIZED_KEYS' >&2
  exit 2
}

[ $# -ge 1 ] || usage 'no command given'
cmd=$1
shift
case $cmd in
initdb)
  [ $# -eq 5 ] || usage 'initdb needs BINDIR DATADIR PWFILE AUTH sync|no-sync'
  # The password comes from a file (never argv); peer on the socket, AUTH over TCP.
  # no-sync: a test host never survives an OS crash anyway; a container's volume should.
  case $5 in
  sync) nosync= ;;
  no-sync) nosync=--no-sync ;;
  *) usage "initdb: last argument must be sync or no-sync, not $5" ;;
  esac
  "$1/initdb" -D "$2" -U postgres --pwfile="$3" --auth-local=peer --auth-host="$4" \
    -E UTF8 --locale=C $nosync
  ;;
pg-conf)
  [ $# -eq 4 ] || usage 'pg-conf needs DATADIR CLIENTS AUTH bare|replication'
  # Only settings that are the same on every node go into the data dir: a base backup copies
  # postgresql.conf and pg_hba.conf to the standby, which must still work there.
  cat >>"$1/postgresql.conf" <<CONF

# walboard node-setup (same on every node; replication is left to walboard's operations)
listen_addresses = '*'
port = 5432
unix_socket_directories = '/var/run/postgresql'
CONF
  case $4 in
  bare)
    printf '\n%s\n%s\n' '# walboard node-setup: every node of the network, for normal connections' \
      "host all all $2 $3" >>"$1/pg_hba.conf"
    ;;
  replication)
    printf '\n%s\n%s\n%s\n' '# walboard node-setup: every node of the network, for normal and replication connections' \
      "host all all $2 $3" "host replication all $2 $3" >>"$1/pg_hba.conf"
    ;;
  *) usage "pg-conf: last argument must be bare or replication, not $4" ;;
  esac
  ;;
sshd-config)
  [ $# -eq 5 ] || usage 'sshd-config needs FILE LISTEN HOSTKEY PIDFILE AUTHORIZED_KEYS'
  umask 077
  cat >"$1" <<SSHD
# Written by walboard node-setup.sh. Only the postgres user logs in, with a key.
ListenAddress $2
HostKey $3
PidFile $4
# Debian's postgres account is locked ("!" in shadow): with UsePAM no sshd refuses even
# key logins to it. PAM account checks pass with password/kbd-interactive auth off.
UsePAM yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $5
StrictModes yes
AllowUsers postgres
PermitRootLogin no
PrintMotd no
UseDNS no
# Several connections at once (archive_command, walboard, tests): the default 10:30:100
# starts dropping unauthenticated connections at random beyond 10.
MaxStartups 100:30:200
MaxSessions 50
# scp in OpenSSH 9 speaks sftp by default.
Subsystem sftp internal-sftp
SSHD
  ;;
*) usage "unknown command $cmd" ;;
esac
