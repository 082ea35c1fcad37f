# One lab "server": Debian 12, PostgreSQL 15 (Debian's package), sshd and rsync. At its first
# start docker/node-entrypoint.sh runs initdb and writes sshd_config with docker/node-setup.sh,
# the same script the e2e test hosts run.
FROM debian:bookworm-slim
# Debian's package would create a cluster "main" at install time, with the image's system
# identifier: every node must get its own initdb at first start instead.
RUN mkdir -p /etc/postgresql-common/createcluster.d \
    && echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/walboard.conf \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       postgresql-15 openssh-server openssh-client rsync \
    && rm -rf /var/lib/apt/lists/* /etc/ssh/ssh_host_*
COPY docker/node-setup.sh /usr/local/lib/walboard/node-setup.sh
COPY docker/node-entrypoint.sh /usr/local/bin/walboard-node-entrypoint
EXPOSE 22 5432
ENTRYPOINT ["/usr/local/bin/walboard-node-entrypoint"]
