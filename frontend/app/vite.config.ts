import { defineConfig } from "vite";

// Preact's JSX through esbuild: no framework plugin needed.
export default defineConfig({
  base: "/app/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "../static/app",
    emptyOutDir: true,
    target: "es2020",
    sourcemap: false,
  },
});
