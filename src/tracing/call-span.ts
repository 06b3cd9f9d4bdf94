/**
 * How the Foreman client traces its calls without knowing OpenTelemetry: one span per attempt,
 * opened right before the attempt is sent (so queueing for a slot is not in it), whose headers
 * go out with it.
 */
export interface CallTracing {
  /** `route` is the path with ids replaced (`/api/compute_resources/:id/images`). */
  startCall(method: string, route: string, attempt: number): CallSpan;
}

export interface CallSpan {
  /** `traceparent` (and `tracestate`): Foreman's part of the trace starts from this span. */
  readonly headers: Readonly<Record<string, string>>;
  /** `status` is 0 when there was no answer; `error` is set when the call failed. */
  end(status: number, error?: CallError): void;
}

/** What the span says about a failure: an UpstreamError's kind, and its status for `http`. */
export interface CallError {
  kind: string;
  status: number;
}
