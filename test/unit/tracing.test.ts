import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { ClientAddresses } from '../../src/client-address.js';
import { methodLabel, routeLabel } from '../../src/tracing/http-labels.js';
import { callerContext } from '../../src/tracing/propagation.js';
import { samplerFor } from '../../src/tracing/sampler.js';

describe('span labels', () => {
  it('names routes from a fixed set, whatever the query string; the rest is `other`', () => {
    expect(routeLabel('http://gw/graphql?query=%7B__typename%7D')).toBe('/graphql');
    expect(routeLabel('http://gw/readyz')).toBe('/readyz');
    expect(routeLabel('http://gw/sign-in/status')).toBe('/sign-in/status');
    expect(routeLabel('http://gw/graphql/extra')).toBe('other');
    expect(routeLabel('http://gw/wp-admin.php')).toBe('other');
  });

  it('keeps unusual methods out of span names', () => {
    expect(methodLabel('POST')).toBe('POST');
    expect(methodLabel('PROPFIND')).toBe('_OTHER');
  });
});

describe('trusted proxies for trace flags', () => {
  it('trusts the listed peers only, in either IPv4 spelling', () => {
    const proxies = new ClientAddresses(['10.0.0.0/8', '::1']);
    expect(proxies.trusts('10.1.2.3')).toBe(true);
    expect(proxies.trusts('::ffff:10.1.2.3')).toBe(true);
    expect(proxies.trusts('::1')).toBe(true);
    expect(proxies.trusts('192.0.2.1')).toBe(false);
    expect(proxies.trusts(undefined)).toBe(false);
    expect(new ClientAddresses([]).trusts('10.1.2.3')).toBe(false);
  });
});

describe('sampling a caller’s trace', () => {
  const headers = (flags: string) =>
    new Headers({ traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-${flags}` });
  const decide = (sampler: ReturnType<typeof samplerFor>, context: typeof ROOT_CONTEXT) =>
    sampler.shouldSample(
      context,
      trace.getSpanContext(context)?.traceId ?? '4bf92f3577b34da6a3ce929d0e0e4736',
      'POST /graphql',
      SpanKind.SERVER,
      {},
      [],
    ).decision;

  it('follows a trusted caller, and decides for itself for anyone else', () => {
    const sampler = samplerFor('parentbased_always_off', 1);
    const trusted = callerContext(headers('01'), () => true);
    expect(decide(sampler, trusted)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    const untrusted = callerContext(headers('01'), () => false);
    expect(trace.getSpanContext(untrusted)?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(decide(sampler, untrusted)).toBe(SamplingDecision.NOT_RECORD);
    // Nor can an untrusted caller turn tracing off.
    const on = samplerFor('parentbased_always_on', 1);
    expect(
      decide(
        on,
        callerContext(headers('00'), () => false),
      ),
    ).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(
      decide(
        on,
        callerContext(headers('00'), () => true),
      ),
    ).toBe(SamplingDecision.NOT_RECORD);
  });

  it('ignores a malformed traceparent, and asks about trust only when there is one', () => {
    let asked = 0;
    const trusted = () => {
      asked += 1;
      return true;
    };
    expect(callerContext(new Headers(), trusted)).toBe(ROOT_CONTEXT);
    expect(trace.getSpanContext(callerContext(new Headers({ traceparent: 'junk' }), trusted))).toBe(
      undefined,
    );
    expect(asked).toBe(0);
    const context = callerContext(headers('01'), trusted);
    expect(trace.getSpanContext(context)?.traceFlags).toBe(TraceFlags.SAMPLED);
    expect(asked).toBe(1);
  });
});
