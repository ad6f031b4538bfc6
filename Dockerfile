# One image for every OMS process: the API (default command), the worker, the codec server, migrations and
# the CLI (see docker-compose.yml). The TypeScript is compiled in a build stage (`npm run build`); the image
# runs the JavaScript in dist/ with production dependencies only (no tsx).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# Install scripts run only for the packages that package.json's allowScripts allows (the npm in the image
# predates that field): everything is installed with scripts off, then exactly the allowed packages are
# rebuilt, which runs their install scripts.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && allowed="$(node -p "Object.entries(require('./package.json').allowScripts ?? {}).filter(([, ok]) => ok === true).map(([name]) => name).join(' ')")" \
 && if [ -n "$allowed" ]; then npm rebuild $allowed; fi \
 && npm cache clean --force

FROM ${NODE_IMAGE}
# Generated secrets (only when not given in the environment) go where the node user may write.
ENV NODE_ENV=production OMS_DATA_DIR=/home/node/oms-data
WORKDIR /app
# Code and dependencies belong to root and are only readable by the process, which runs as "node". The worker
# bundles the workflows from dist/workflows at start and preloads worker/workflow-thread-preload.cjs; api/public,
# deploy/ and the default mail templates (notifications/templates) are read from the project root.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY worker/workflow-thread-preload.cjs ./worker/
COPY api/public ./api/public
COPY notifications/templates ./notifications/templates
COPY deploy ./deploy
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000 8234
CMD ["node", "dist/api/main.js"]
