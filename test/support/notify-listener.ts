import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request a listener received. */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Sequence number of the TCP connection it arrived on (same number: keep-alive reuse). */
  socket: number;
}

/** How the listener answers; `'hang'` never answers (for timeouts). */
export type Answer = number | 'hang';

export interface NotifyListener {
  port: number;
  requests: ReceivedRequest[];
  /** Connections accepted so far. */
  connections(): number;
  /** Answer of the next requests; the last one repeats. */
  answer(...answers: Answer[]): void;
  close(): Promise<void>;
}

/**
 * A task's notify API: an HTTP server on 127.0.0.1 (random port) that records every request and
 * answers with the configured statuses (default 200, with a small body the client must drain).
 */
export const startNotifyListener = async (): Promise<NotifyListener> => {
  const requests: ReceivedRequest[] = [];
  const socketIds = new WeakMap<Socket, number>();
  let socketCount = 0;
  let answers: Answer[] = [200];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (data: Buffer) => chunks.push(data));
    request.on('end', () => {
      requests.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        socket: socketIds.get(request.socket) ?? -1,
      });
      const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
      if (answer === 'hang') return;
      response.writeHead(answer, { 'content-type': 'text/plain' });
      response.end(answer === 204 ? undefined : `status ${answer}`);
    });
  });
  server.on('connection', (socket) => socketIds.set(socket, ++socketCount));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    connections: () => socketCount,
    answer: (...next) => {
      answers = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** A port on 127.0.0.1 nobody listens on (bound, then released). */
export const closedPort = async (): Promise<number> => {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};
