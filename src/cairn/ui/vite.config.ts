// Builds the app into dist/, which the Python package ships and `cairn ui` serves at "/".
import { defineConfig, type Plugin } from "vite";

/** KaTeX's CSS lists each font as woff2, woff and ttf; every browser we support takes
 * woff2, so the other two (about 700 kB) are left out of the package. */
function katexWoff2Only(): Plugin {
  return {
    name: "katex-woff2-only",
    enforce: "pre",
    transform(code, id) {
      if (!/katex(\.min)?\.css$/.test(id)) return null;
      return code.replace(/,\s*url\([^)]*\.(?:woff|ttf)\)\s*format\("(?:woff|truetype)"\)/g, "");
    },
  };
}

export default defineConfig({
  base: "/",
  plugins: [katexWoff2Only()],
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    // `npm run dev` talks to a `cairn ui` running on its default port.
    proxy: { "/api": "http://127.0.0.1:8080" },
  },
});
