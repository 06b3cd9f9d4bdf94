import {
  createSourceEventStream,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import { mapEvents } from '../event-stream.js';

/**
 * Each event of a subscription is resolved with a context of its own: fresh loaders (the image and
 * its relations are read as they are now, not as the first event saw them), a call cap of its own
 * (a long-lived subscription does not spend one cap over its whole life), and a signal that ends
 * with the event's execution, or earlier when the subscriber leaves. graphql-js resolves every
 * event with the context of the request that subscribed; this replaces its subscribe with the
 * same steps (the source stream, then one execution per event) and a context per event.
 */
export function useSubscriptionEvents(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribeWithEventContexts as never);
    },
  };
}

async function subscribeWithEventContexts(
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream as ExecutionResult;
  const context = args.contextValue as GatewayContext;
  const operation = args.document.definitions.find(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION &&
      (!args.operationName || definition.name?.value === args.operationName),
  );
  // The source ending with an error (credentials refused meanwhile, say) ends the stream with
  // a last result carrying that error, located at the operation, as yoga's own executor does.
  const located = (error: unknown): ExecutionResult => ({
    errors: [
      new GraphQLError(error instanceof Error ? error.message : String(error), {
        originalError: error instanceof Error ? error : undefined,
        nodes: operation ? [operation] : undefined,
      }),
    ],
  });
  return mapEvents(stream as AsyncIterable<unknown>, located, async (payload) => {
    const event = new AbortController();
    const parent = context.signal;
    const leave = () => event.abort(parent.reason);
    if (parent.aborted) leave();
    else parent.addEventListener('abort', leave, { once: true });
    try {
      return await execute({
        ...args,
        rootValue: payload,
        contextValue: context.forEvent(event.signal),
      });
    } finally {
      parent.removeEventListener('abort', leave);
      // Nothing the event started may outlive it.
      event.abort(new Error('the subscription event was sent'));
    }
  });
}
