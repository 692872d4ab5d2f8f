// Runtime settings of the dashboard, read before the app starts (src/lib/config.ts). The Motor
// serves this file as is (same origin). A dashboard hosted elsewhere rewrites it at deploy time
// without a rebuild: `MOTOR_URL=https://motor.example.com node dashboard/scripts/write-env.mjs`.
window.__ATENDE__ = { motorUrl: '' };
