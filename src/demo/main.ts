/**
 * Runs the demo upstream on its own: `tsx src/demo/main.ts`. DEMO_PORT (default: a free port)
 * and DEMO_HOST (default 127.0.0.1) choose where it listens.
 */
import { startDemoUpstream } from './server.js';
import { DEMO_ADMIN, DEMO_VIEWER } from './users.js';

const rawPort = process.env.DEMO_PORT ?? '0';
const port = Number(rawPort);
if (!/^\d+$/.test(rawPort) || port > 65_535) {
  console.error(`DEMO_PORT must be a port number (0-65535), got '${rawPort}'`);
  process.exit(1);
}

const upstream = await startDemoUpstream({ host: process.env.DEMO_HOST || '127.0.0.1', port });
console.log(
  `Foreman demo upstream at ${upstream.url} (logins: ${DEMO_ADMIN.login}/${DEMO_ADMIN.password}, ${DEMO_VIEWER.login}/${DEMO_VIEWER.password})`,
);

const stop = () => {
  upstream.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
