import {
  type Attributes,
  type Context,
  createContextKey,
  type Link,
  ROOT_CONTEXT,
  type SpanKind,
  trace,
} from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  type SamplingResult,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import type { TraceSampler } from '../config.js';

/**
 * On the context of a request whose `traceparent` came from a caller the gateway does not trust:
 * the trace id its sampling decisions are taken on, drawn at random, in place of the caller's.
 * The caller chose its trace id, and could choose one that a ratio sampler always keeps.
 */
export const UNTRUSTED_CALLER = createContextKey('foreman-images-graphql untrusted caller');

/** OTEL_TRACES_SAMPLER (and its ratio), with callers' sampled flags honoured only when trusted. */
export function samplerFor(kind: TraceSampler, ratio: number): Sampler {
  const root =
    kind === 'always_off' || kind === 'parentbased_always_off'
      ? new AlwaysOffSampler()
      : kind.endsWith('traceidratio')
        ? new TraceIdRatioBasedSampler(ratio)
        : new AlwaysOnSampler();
  const configured = kind.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
  return new CallerAwareSampler(configured, root);
}

/**
 * The configured sampler, except for an untrusted caller's span: there the gateway decides as if
 * the trace started here (the root sampler, on a random id), whatever the caller's flag says, so
 * strangers can neither force tracing (and its cost) on nor turn it off. The spans below follow
 * that decision as they would follow any parent.
 */
class CallerAwareSampler implements Sampler {
  constructor(
    private readonly configured: Sampler,
    private readonly root: Sampler,
  ) {}

  shouldSample(
    context: Context,
    traceId: string,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    const decisionId = context.getValue(UNTRUSTED_CALLER) as string | undefined;
    if (decisionId === undefined) {
      return this.configured.shouldSample(context, traceId, name, kind, attributes, links);
    }
    if (trace.getSpanContext(context)?.isRemote) {
      return this.root.shouldSample(ROOT_CONTEXT, decisionId, name, kind, attributes, links);
    }
    return this.configured.shouldSample(context, decisionId, name, kind, attributes, links);
  }

  toString(): string {
    return `CallerAware{${this.configured.toString()}}`;
  }
}
