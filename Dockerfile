# One image for the control plane and the worker; the compose file picks the command.
FROM node:20-bookworm-slim
WORKDIR /app
RUN npm install -g pnpm@10.34.9
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY packages/core/package.json packages/core/
COPY packages/workflow-builder/package.json packages/workflow-builder/
COPY packages/worker/package.json packages/worker/
RUN pnpm install --frozen-lockfile
COPY supabase supabase
# The Kong controller's default base config (KONG_BASE_CONFIG).
COPY kong kong
COPY packages packages
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
EXPOSE 3000
CMD ["pnpm", "--filter", "@wfb/workflow-builder", "start"]
