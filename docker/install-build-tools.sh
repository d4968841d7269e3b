#!/bin/sh
# Build stage only: what node-gyp needs to compile sqlite3 from source (its prebuilt binary is
# downloaded from GitHub, which may be unreachable; npm then builds it here).
set -eu

apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3 make g++ >/dev/null
rm -rf /var/lib/apt/lists/*

# node-gyp compiles against the headers of the running Node. The official image ships them in
# /usr/local/include/node; a stand-in built from the node-linux-* npm package does not, so take them
# from that package (the npm registry) instead of nodejs.org, which may be unreachable.
if [ ! -f /usr/local/include/node/common.gypi ]; then
  tmp=$(mktemp -d)
  cd "$tmp"
  npm pack --silent "node-linux-$(node -p process.arch)@$(node -p process.versions.node)" >/dev/null
  tar -xzf node-linux-*.tgz package/include/node
  mkdir -p /usr/local/include
  cp -r package/include/node /usr/local/include/
  cd /
  rm -rf "$tmp" /root/.npm/_cacache
fi
