# One image for every firstframe process (bot, worker, migrations); compose.yaml picks the
# command. Not built on the development machines (they have no Docker daemon): docs/deploy.md.
ARG NODE_VERSION=20
FROM node:${NODE_VERSION}-bookworm-slim

# ffmpeg encodes the MP4s and GIFs; ca-certificates for Discord, Slack and S3 over TLS.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ffmpeg ca-certificates \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV NODE_ENV=production
# GPU images: build with --build-arg ONNXRUNTIME_NODE_INSTALL=cuda12 (onnxruntime-node's install
# script then fetches its CUDA provider) and run with ENGINE_PROVIDER=cuda. `skip` = CPU only.
ARG ONNXRUNTIME_NODE_INSTALL=skip

COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY prisma ./prisma
RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci --omit=dev --no-audit --no-fund \
  && if [ "$ONNXRUNTIME_NODE_INSTALL" != skip ]; then \
       ONNXRUNTIME_NODE_INSTALL=$ONNXRUNTIME_NODE_INSTALL node node_modules/onnxruntime-node/script/install.js; \
     fi \
  && npm cache clean --force

COPY src ./src
COPY models ./models
COPY tsconfig.json ./

# Never root: data (SQLite, local copies of artifacts) lives in a volume owned by `node`.
RUN mkdir -p /data && chown node:node /data
USER node
ENV DATA_DIR=/data HTTP_HOST=0.0.0.0
VOLUME /data
EXPOSE 3000 3001
CMD ["npm", "start"]
