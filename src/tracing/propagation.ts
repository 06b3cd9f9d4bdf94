import {
  type Context,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  type Span,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace';
import { UNTRUSTED_CALLER } from './sampler.js';

const w3c = new W3CTraceContextPropagator();
const ids = new RandomIdGenerator();

const fromHeaders: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * Where a request's server span starts: the caller's trace when it sent a valid `traceparent`
 * (and `tracestate`), else a new one. The trace id is continued for anyone; the caller's sampled
 * flag counts only when `trusted` (the peer is a trusted proxy), see UNTRUSTED_CALLER.
 */
export function callerContext(headers: Headers, trusted: () => boolean): Context {
  if (!headers.has('traceparent')) return ROOT_CONTEXT;
  const context = w3c.extract(ROOT_CONTEXT, headers, fromHeaders);
  if (trace.getSpanContext(context) === undefined || trusted()) return context;
  return context.setValue(UNTRUSTED_CALLER, ids.generateTraceId());
}

/** `traceparent` (and `tracestate`) naming `span` as the parent of what the callee does. */
export function propagationHeaders(span: Span): Record<string, string> {
  const headers: Record<string, string> = {};
  w3c.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
  return headers;
}
