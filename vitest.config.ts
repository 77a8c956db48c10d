import { defineConfig } from "vitest/config";

// Two projects: "unit" needs no root and no build; "integration" runs real containers with the
// built dist/skiff as root (scripts/test.sh builds first).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "conformance/**/*.test.ts"],
          setupFiles: ["src/platform/node-setup.ts"],
          exclude: ["**/*.integration.test.ts", "node_modules/**"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["src/**/*.integration.test.ts"],
          setupFiles: ["src/platform/node-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Containers share the machine's 2 cores and cgroup trees; files run one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
