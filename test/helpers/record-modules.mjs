// Records every module the process loads (its URL, one per line) in the file named by
// RECORD_MODULES_TO: how a test tells which of the gateway's modules a process loaded.
import { register } from 'node:module';

register('./record-modules-hook.mjs', import.meta.url, {
  data: { file: process.env.RECORD_MODULES_TO },
});
