import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The controller's default `listen` address (walboard.yaml); the dev server forwards to it so the
// page keeps same-origin URLs (/api, /socket.io) in dev exactly as when the controller serves dist/.
const controller = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: {
    proxy: {
      '/api': { target: controller },
      '/socket.io': { target: controller, ws: true },
    },
  },
  build: { outDir: 'dist', emptyOutDir: true },
});
