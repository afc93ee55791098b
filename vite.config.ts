/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Cross-origin isolation lets the wasm backend use threads where the machine has cores to spare.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  worker: {
    format: 'es',
    rolldownOptions: {
      // Oxc's compressor breaks the emscripten factory that threaded wasm serialises (browser-stack §7.1).
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
  server: { headers: crossOriginIsolation, port: 5173, strictPort: true },
  preview: { headers: crossOriginIsolation, port: 4173, strictPort: true },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
