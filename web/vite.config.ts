import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The customer web app and the staff console: built into dist/web, served by the API server
// (@fastify/static) at `/`. `npm run dev:web` proxies /api to a server on :3000.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: '../dist/public',
    emptyOutDir: true,
    manifest: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/checkout': 'http://127.0.0.1:3000', '/r': 'http://127.0.0.1:3000' } },
});
