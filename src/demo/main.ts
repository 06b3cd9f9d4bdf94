/**
 * Runs the demo upstream on its own: `tsx src/demo/main.ts` (`npm run demo-upstream`), e.g. for
 * soak and overload benchmarks. Its environment variables are read by demoOptionsFromEnv:
 * DEMO_HOST, DEMO_PORT, DEMO_LATENCY_MS, DEMO_SLOTS, DEMO_EXTRA_USERS,
 * DEMO_MAX_RECORDED_REQUESTS and DEMO_CONTROL (the /__demo/ control API, see http/control.ts).
 */
import { demoOptionsFromEnv } from './env-options.js';
import { startDemoUpstream } from './server.js';
import { DEMO_ADMIN, DEMO_ADMIN_TOKEN, DEMO_VIEWER, DEMO_VIEWER_TOKEN } from './users.js';

const { options, errors } = demoOptionsFromEnv(process.env);
if (errors.length > 0) {
  for (const error of errors) console.error(error);
  process.exit(1);
}

const upstream = await startDemoUpstream(options);
console.log(
  `Foreman demo upstream at ${upstream.url} (logins: ${DEMO_ADMIN.login}/${DEMO_ADMIN.password} or token ${DEMO_ADMIN_TOKEN}, ${DEMO_VIEWER.login}/${DEMO_VIEWER.password} or token ${DEMO_VIEWER_TOKEN})`,
);
if (options.control) {
  console.log(`Control API at ${upstream.url}/__demo/ (loopback clients only)`);
}

const stop = () => {
  upstream.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
