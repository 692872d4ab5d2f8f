import { ConfigError, loadConfig, type Config } from './config.js';
import { createMotor, EvolutionConfigError } from './composition-root.js';

// The process entry: read the config, build the Motor (composition-root.ts), listen, stop on signals.
async function main() {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78); // EX_CONFIG: a restart loop would not help
    }
    throw err;
  }
  const motor = await createMotor(config);
  try {
    await motor.start();
  } catch (err) {
    if (err instanceof EvolutionConfigError) {
      console.error(err.message);
      await motor.stop().catch(() => {});
      process.exit(78); // EX_CONFIG: a wrong key or version is not fixed by restarting
    }
    throw err;
  }
  motor.logger.info(`Atende is running at http://localhost:${config.port}`);

  let signalled = false;
  const shutdown = async (signal: string) => {
    if (signalled) {
      motor.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    signalled = true;
    motor.logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down: draining');
    // Whatever hangs past the grace period and a margin for the loops must not keep the process up.
    setTimeout(() => {
      motor.logger.error('shutdown did not finish in time: exiting');
      process.exit(1);
    }, config.shutdownGraceMs + 15_000).unref();
    await motor.stop();
    motor.logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(`Atende failed to start: ${(err as Error).message}`);
  process.exit(1);
});
