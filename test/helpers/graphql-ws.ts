import { request as httpRequest } from 'node:http';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Arrivals } from './arrivals.js';

/**
 * GraphQL over WebSocket as frontends speak it: the graphql-ws client (what Apollo's
 * GraphQLWsLink, urql and Relay wrap) over the `ws` package, and the raw protocol where a test
 * must see every message and close code.
 */

export type Payload = {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
};

/** `http://127.0.0.1:1234` → `ws://127.0.0.1:1234/graphql` */
export function webSocketUrl(httpUrl: string): string {
  return `${httpUrl.replace(/^http/, 'ws')}/graphql`;
}

/** A `WebSocket` class that sends these handshake headers, for graphql-ws's `webSocketImpl`. */
export function webSocketWith(headers: Record<string, string>): unknown {
  return class extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  };
}

export interface ClientOptions {
  /** Handshake headers (Authorization, Origin). */
  headers?: Record<string, string>;
  /** connection_init's payload. */
  connectionParams?: Record<string, unknown>;
}

export interface GraphQLWsClient {
  client: Client;
  /** Close codes the client saw, in order. */
  closes: number[];
  /** An operation's last `next` payload, or the errors of an `error` message, as `{ errors }`. */
  run(query: string, variables?: Record<string, unknown>): Promise<Payload>;
  subscribe(query: string, variables?: Record<string, unknown>): Stream;
  dispose(): Promise<void>;
}

/** What a subscription received, until it ends. */
export interface Stream {
  readonly received: Payload[];
  /** Resolves when the operation ends: `complete`, an `error` message (its errors received), or a close. */
  readonly ended: Promise<'complete' | 'error' | 'closed'>;
  waitFor(count: number, timeoutMs?: number): Promise<Payload[]>;
  stop(): void;
}

/** A graphql-ws client that never retries, so that every refusal and close is seen. */
export function graphqlWsClient(httpUrl: string, options: ClientOptions = {}): GraphQLWsClient {
  const closes: number[] = [];
  const client = createClient({
    url: webSocketUrl(httpUrl),
    webSocketImpl: webSocketWith(options.headers ?? {}),
    ...(options.connectionParams ? { connectionParams: options.connectionParams } : {}),
    retryAttempts: 0,
    lazy: true,
    on: { closed: (event) => closes.push((event as { code: number }).code) },
  });
  const subscribe = (query: string, variables?: Record<string, unknown>): Stream => {
    const arrivals = new Arrivals<Payload>();
    let stop: () => void = () => {};
    const ended = new Promise<'complete' | 'error' | 'closed'>((resolve) => {
      const finish = (how: 'complete' | 'error' | 'closed') => {
        arrivals.end();
        resolve(how);
      };
      stop = client.subscribe<Payload['data']>(
        { query, ...(variables ? { variables } : {}) },
        {
          next: (payload) => arrivals.push(payload as Payload),
          error: (error) => {
            if (Array.isArray(error)) {
              arrivals.push({ errors: error });
              finish('error');
            } else finish('closed');
          },
          complete: () => finish('complete'),
        },
      );
    });
    return {
      received: arrivals.received,
      ended,
      stop: () => stop(),
      waitFor: (count, timeoutMs) => arrivals.waitFor(count, timeoutMs),
    };
  };
  return {
    client,
    closes,
    subscribe,
    async run(query, variables) {
      const stream = subscribe(query, variables);
      const how = await stream.ended;
      if (how === 'closed') throw new Error(`the socket closed (codes ${closes.join(', ')})`);
      const last = stream.received.at(-1);
      if (!last) throw new Error('the operation ended without a payload');
      return last;
    },
    dispose: () => client.dispose() as Promise<void>,
  };
}

/** A raw graphql-ws connection: every message received, and how the socket closed. */
export interface RawConnection {
  socket: WebSocket;
  messages: Array<{ type: string; id?: string; payload?: unknown }>;
  closed: Promise<{ code: number; reason: string }>;
  send(message: Record<string, unknown>): void;
  /** Resolves with the first message received that `matches`. */
  message(
    matches: (message: { type: string; id?: string; payload?: unknown }) => boolean,
  ): Promise<{ type: string; id?: string; payload?: unknown }>;
}

export async function rawConnection(
  httpUrl: string,
  options: { headers?: Record<string, string>; init?: Record<string, unknown> | false } = {},
): Promise<RawConnection> {
  const socket = new WebSocket(webSocketUrl(httpUrl), 'graphql-transport-ws', {
    headers: options.headers ?? {},
  });
  const messages: RawConnection['messages'] = [];
  const listeners: Array<() => void> = [];
  socket.on('message', (data) => {
    messages.push(JSON.parse(String(data)));
    for (const listener of [...listeners]) listener();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const connection: RawConnection = {
    socket,
    messages,
    closed,
    send: (message) => socket.send(JSON.stringify(message)),
    message: (matches) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(matches);
          if (!found) return;
          listeners.splice(listeners.indexOf(check), 1);
          resolve(found);
        };
        listeners.push(check);
        check();
        closed.then(() =>
          reject(new Error(`closed before the message came: ${JSON.stringify(messages)}`)),
        );
      }),
  };
  if (options.init !== false) {
    connection.send({
      type: 'connection_init',
      ...(options.init ? { payload: options.init } : {}),
    });
    await connection.message((message) => message.type === 'connection_ack');
  }
  return connection;
}

/**
 * Only the handshake: 101 when the gateway upgrades, else its HTTP status and body. The socket is
 * closed at once either way.
 */
export function handshake(
  httpUrl: string,
  headers: Record<string, string> = {},
  path = '/graphql',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${httpUrl}${path}`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-protocol': 'graphql-transport-ws',
        ...headers,
      },
    });
    request.once('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 0, body: '' });
    });
    request.once('response', (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.once('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.once('error', reject);
    request.end();
  });
}
