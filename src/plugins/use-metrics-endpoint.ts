import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../metrics.js';

/** `GET /metrics`: the gateway's Prometheus metrics. */
export function useMetricsEndpoint(metrics: Metrics): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if ((request.method !== 'GET' && request.method !== 'HEAD') || url.pathname !== '/metrics') {
        return;
      }
      endResponse(
        new fetchAPI.Response(await metrics.registry.metrics(), {
          headers: { 'content-type': metrics.registry.contentType },
        }),
      );
    },
  };
}
