import type { Plugin } from 'graphql-yoga';
import type { Metrics } from '../metrics.js';

/** `GET /metrics`: the gateway's Prometheus metrics. */
export function useMetricsEndpoint(metrics: Metrics): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if ((request.method !== 'GET' && request.method !== 'HEAD') || url.pathname !== '/metrics') {
        return;
      }
      return metrics.registry.metrics().then((text) =>
        endResponse(
          new fetchAPI.Response(text, {
            headers: { 'content-type': metrics.registry.contentType },
          }),
        ),
      );
    },
  };
}
