# One lab "server": PostgreSQL 15 (official image) plus sshd and rsync, as the lab guide asks.
FROM postgres:15-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends openssh-server rsync \
    && rm -rf /var/lib/apt/lists/* && mkdir -p /run/sshd
EXPOSE 22 5432
