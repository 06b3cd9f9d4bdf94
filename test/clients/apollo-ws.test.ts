import {
  ApolloClient,
  ApolloLink,
  CombinedGraphQLErrors,
  gql,
  HttpLink,
  InMemoryCache,
} from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEMO_ADMIN, DEMO_VIEWER, type DemoUser } from '../../src/demo/index.js';
import { webSocketUrl } from '../helpers/graphql-ws.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';
import { newImageInput, possibleTypes, recordingFetch } from './helpers.js';

/**
 * Apollo Client 4 with GraphQLWsLink (over graphql-ws), as Apollo's docs set it up: subscriptions
 * over the socket and the rest over HTTP (`split`), or everything over the socket. Credentials go
 * in `connectionParams`, as a browser app sends them (it cannot set handshake headers).
 */

// GraphQLWsLink tells socket errors apart with the browser's global `WebSocket`, which Node
// has only from version 22.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const harnesses: Harness[] = [];
const disposers: Array<() => unknown> = [];

afterEach(async () => {
  for (const dispose of disposers.splice(0)) await dispose();
  for (const harness of harnesses.splice(0)) await harness.close();
});

async function start(env: Record<string, string> = {}): Promise<Harness> {
  const harness = await startHarness({ env: { AUDIT_POLL_INTERVAL_MS: '150', ...env } });
  harnesses.push(harness);
  return harness;
}

interface ApolloOptions {
  user?: DemoUser | { authorization: string };
  /** Everything over the socket (else only subscriptions). */
  allOverSocket?: boolean;
  /** graphql-ws's reconnection: how often, and how long between attempts. */
  retryAttempts?: number;
}

function apollo(harness: Harness, options: ApolloOptions = {}) {
  const user = options.user ?? DEMO_ADMIN;
  const authorization = 'authorization' in user ? user.authorization : basicAuth(user);
  const closes: number[] = [];
  const socketClient = createClient({
    url: webSocketUrl(harness.url),
    webSocketImpl: WebSocket,
    connectionParams: { authorization },
    retryAttempts: options.retryAttempts ?? 0,
    retryWait: () => new Promise((resolve) => setTimeout(resolve, 50)),
    on: { closed: (event) => closes.push((event as { code: number }).code) },
  });
  disposers.push(() => socketClient.dispose());
  const webSocketLink = new GraphQLWsLink(socketClient);
  const { fetch, sent } = recordingFetch('authorization' in user ? DEMO_ADMIN : user);
  const httpLink = new HttpLink({ uri: `${harness.url}/graphql`, fetch });
  const isSubscription = ({ query }: ApolloLink.Operation) => {
    const definition = getMainDefinition(query);
    return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
  };
  const client = new ApolloClient({
    link: options.allOverSocket
      ? webSocketLink
      : ApolloLink.split(isSubscription, webSocketLink, httpLink),
    cache: new InMemoryCache({ possibleTypes }),
  });
  disposers.push(() => client.stop());
  return { client, sent, closes };
}

const IMAGE_CHANGED = gql`
  subscription ImageChanged {
    imageChanged(computeResourceId: "1") {
      action
      foremanId
      image {
        id
        name
      }
    }
  }
`;

const CREATE = gql`
  mutation Create($input: CreateImageInput!) {
    createImage(input: $input) {
      image {
        id
        foremanId
        name
      }
    }
  }
`;

const ARCHITECTURES = gql`
  query Architectures {
    architectures {
      totalCount
    }
  }
`;

type ChangeEvent = {
  data?: { imageChanged: { action: string; foremanId: number; image: { name: string } | null } };
  error?: unknown;
};

/** Every result a subscription delivers, until stopped. */
function listen(client: ApolloClient) {
  const received: ChangeEvent[] = [];
  const subscription = client
    .subscribe({ query: IMAGE_CHANGED })
    .subscribe({ next: (result) => received.push(result as ChangeEvent) });
  disposers.push(() => subscription.unsubscribe());
  return received;
}

async function openSubscriptions(harness: Harness): Promise<number> {
  const text = await (await fetch(`${harness.url}/metrics`)).text();
  return Number(/^live_subscriptions (\d+)$/m.exec(text)?.[1]);
}

describe('Apollo Client with GraphQLWsLink', () => {
  it('a subscription over the socket receives the image a mutation over HTTP creates', async () => {
    const harness = await start();
    const { client, sent } = apollo(harness);
    const received = listen(client);
    await expect.poll(() => openSubscriptions(harness)).toBe(1);
    const created = await client.mutate({
      mutation: CREATE,
      variables: { input: newImageInput('1', 'apollo-ws') },
    });
    // The mutation went over HTTP, the subscription over the socket.
    expect(sent.map((request) => request.body?.operationName)).toEqual(['Create']);
    const foremanId = (created.data as { createImage: { image: { foremanId: number } } })
      .createImage.image.foremanId;
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]?.data?.imageChanged).toMatchObject({
      action: 'CREATED',
      foremanId,
      image: { name: 'apollo-ws' },
    });
  });

  it('everything over the socket: a query and a mutation, no HTTP request', async () => {
    const harness = await start();
    const { client, sent } = apollo(harness, { allOverSocket: true });
    const { data } = await client.query({ query: ARCHITECTURES });
    expect(data).toEqual({
      architectures: { __typename: 'ArchitectureConnection', totalCount: 5 },
    });
    const created = await client.mutate({
      mutation: CREATE,
      variables: { input: newImageInput('1', 'all-over-ws') },
    });
    expect(created.data).toMatchObject({ createImage: { image: { name: 'all-over-ws' } } });
    expect(harness.demo.store.images.some((image) => image.name === 'all-over-ws')).toBe(true);
    expect(sent).toEqual([]);
  });

  it('errors reach Apollo as CombinedGraphQLErrors with their codes', async () => {
    const harness = await start();
    const wrong = { authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` };
    const { client } = apollo(harness, { user: wrong, allOverSocket: true });
    const refused = await firstValueFrom(client.subscribe({ query: IMAGE_CHANGED }));
    expect(CombinedGraphQLErrors.is(refused.error)).toBe(true);
    expect(
      CombinedGraphQLErrors.is(refused.error) && refused.error.errors[0]?.extensions?.code,
    ).toBe('UNAUTHENTICATED');

    // Refused before execution: graphql-ws's `error` message.
    const invalid = await apollo(harness, { allOverSocket: true })
      .client.query({ query: gql('query Invalid { architectures { nope } }') })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(
      CombinedGraphQLErrors.is(invalid) && invalid.errors.map((error) => error.extensions?.code),
    ).toEqual(['GRAPHQL_VALIDATION_FAILED']);

    // The viewer may not write: FORBIDDEN at the field, over the socket as over HTTP.
    const viewer = apollo(harness, { user: DEMO_VIEWER, allOverSocket: true }).client;
    const result = await viewer.mutate({
      mutation: CREATE,
      variables: { input: newImageInput('1', 'viewer-may-not') },
      errorPolicy: 'all',
    });
    expect(result.data).toEqual({ createImage: null });
    expect(
      CombinedGraphQLErrors.is(result.error) &&
        result.error.errors.map((error) => error.extensions?.code),
    ).toEqual(['FORBIDDEN']);
  });

  it('a subscription survives a restart of the gateway: 1001, reconnect, subscribed again', async () => {
    const first = await start();
    const { client, closes } = apollo(first, { retryAttempts: 20 });
    const received = listen(client);
    await expect.poll(() => openSubscriptions(first)).toBe(1);
    const { port } = new URL(first.url);
    await first.close();
    harnesses.splice(harnesses.indexOf(first), 1);
    expect(closes).toEqual([1001]);

    // The same address again (a new demo upstream behind it).
    const second = await start({ PORT: port });
    await expect.poll(() => openSubscriptions(second), { timeout: 5_000 }).toBe(1);
    await second.query(`mutation { createImage(input: { computeResourceId: "1",
      name: "after-restart", username: "root", uuid: "/var/lib/libvirt/images/after-restart.qcow2",
      architectureId: "1", operatingSystemId: "1" }) { errors { message } } }`);
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]?.data?.imageChanged.image?.name).toBe('after-restart');
  });
});
