/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Cross-origin isolation lets the wasm backend use threads where the machine has cores to spare.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * Content-Security-Policy of the built page (preview here; public/_headers says the same to a static
 * host). Scripts and workers come from this origin only ('wasm-unsafe-eval' lets the wasm backend
 * compile its module); styles allow inline `style` attributes (React); images come from this origin,
 * data: and blob: URLs (canvases, downloads); fetches go to this origin and, for a dataset URL the
 * user types in, to any https server.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' https: data: blob:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const security = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** The dev server adds what Vite's hot reload needs: its inline preamble and its websocket. */
const devSecurity = {
  ...security,
  'Content-Security-Policy': CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace(
    "connect-src 'self'",
    "connect-src 'self' ws: wss:",
  ),
};

export default defineConfig({
  plugins: [react()],
  worker: {
    format: 'es',
    rolldownOptions: {
      // Oxc's compressor breaks the emscripten factory that threaded wasm serialises.
      output: { minify: { compress: false, mangle: true }, comments: false },
    },
  },
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-backend-webgpu',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-wasm',
      'recharts',
      'react',
      'react-dom/client',
    ],
  },
  server: { headers: { ...crossOriginIsolation, ...devSecurity }, port: 5173, strictPort: true },
  preview: { headers: { ...crossOriginIsolation, ...security }, port: 4173, strictPort: true },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
