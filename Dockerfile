# One image for every OMS process: the API (default command), the worker, the codec server, migrations and
# the CLI (see docker-compose.yml). TypeScript runs through tsx, as everywhere else in the project.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# Production dependencies. Install scripts run only for the packages that package.json's allowScripts
# allows (the npm in the image predates that field): everything is installed with scripts off, then exactly
# the allowed packages are rebuilt, which runs their install scripts.
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
# Code and dependencies belong to root and are only readable by the process, which runs as "node".
COPY --from=deps /app/node_modules ./node_modules
COPY . .
USER node
EXPOSE 3000 8234
CMD ["node", "--import", "tsx", "api/main.ts"]
