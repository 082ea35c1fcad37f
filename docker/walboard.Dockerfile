# walboard for the Docker lab: the built server as installed on a real one (README, "Install on a
# server") — plain JavaScript run by node, production dependencies only, no TypeScript loader.
# docker/walboard-server/ is made on the host, before the build, by
#   pnpm build && pnpm --filter @walboard/server deploy --legacy --prod docker/walboard-server
# (better-sqlite3 is native: the host must have Node 20 on glibc ≥ 2.36 / Debian 12, as here).
FROM node:20-bookworm-slim
COPY docker/walboard-server /opt/walboard
COPY docker/walboard.yaml /etc/walboard/walboard.yaml
COPY docker/walboard-entrypoint.sh /usr/local/bin/walboard-entrypoint
RUN ln -s /opt/walboard/bin/walboard.js /usr/local/bin/walboard \
 && install -d -o node -g node -m 0700 /var/lib/walboard /var/lib/walboard/ssh \
 && walboard --version
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/walboard-entrypoint"]
