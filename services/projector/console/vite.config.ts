/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// CONSOLE_OUT_DIR: where CMake wants the built app (the binary serves it from there).
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: process.env.CONSOLE_OUT_DIR ?? "dist",
    emptyOutDir: true,
    sourcemap: false,
    // No inline scripts or styles: the console's Content-Security-Policy forbids them.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // The budget that counts is scripts/check-budget.mjs (300 KB gzipped in all).
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: { "/api": process.env.CONSOLE_API ?? "http://127.0.0.1:9091" },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
