import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

const motor = process.env.MOTOR_URL ?? 'http://localhost:3000';

export default defineConfig({
  plugins: [sveltekit()],
  server: {
    proxy: {
      '/api': { target: motor, changeOrigin: false },
      '/socket.io': { target: motor, ws: true },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
