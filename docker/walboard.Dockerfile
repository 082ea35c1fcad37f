# walboard for the Docker lab. For now it runs the server from the repository mounted at /app
# (TypeScript through tsx, with the node_modules of `pnpm install` on the host: better-sqlite3 is
# native, so the host must be Debian 12 / glibc 2.36 with Node 20 like this image).
# TODO(issue 12 item 1): once `pnpm build` + `pnpm deploy --prod` make a node-only server, COPY
# that bundle here and drop the mount and tsx (see docker/README.md).
FROM node:20-bookworm-slim
RUN install -d -o node -g node -m 0700 /var/lib/walboard /var/lib/walboard/ssh
COPY docker/walboard-entrypoint.sh /usr/local/bin/walboard-entrypoint
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/walboard-entrypoint"]
