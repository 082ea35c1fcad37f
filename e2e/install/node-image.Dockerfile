# Stand-in for the official node:20-bookworm-slim (no registry here): the debootstrap base plus
# this machine's node binary, with the `node` user (uid 1000) the official image has.
FROM debian:bookworm-slim
COPY node /usr/local/bin/node
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
