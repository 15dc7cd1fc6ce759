import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFY_HEADERS } from '../../handlers/constants';
import { PermanentError, TransientError } from '../../handlers/errors';
import { classifyStatus, createNotifyAgent, notifyTask, notifyUrl } from '../../handlers/notify';
import { taskMessage } from '../fixtures/tasks';
import { closedPort, type NotifyListener, startNotifyListener } from '../support/notify-listener';

let listener: NotifyListener;
const agent = createNotifyAgent();
const options = { agent, timeoutMs: 2_000 };

beforeAll(async () => {
  listener = await startNotifyListener();
});
afterEach(() => {
  listener.requests.length = 0;
  listener.answer(200);
});
afterAll(async () => {
  agent.destroy();
  await listener.close();
});

describe('classifyStatus', () => {
  it.each([
    [200, 'success'],
    [202, 'success'],
    [204, 'success'],
    [299, 'success'],
    [301, 'permanent'],
    [304, 'permanent'],
    [400, 'permanent'],
    [404, 'permanent'],
    [410, 'permanent'],
    [408, 'transient'],
    [429, 'transient'],
    [500, 'transient'],
    [503, 'transient'],
    [599, 'transient'],
  ] as const)('%i is %s', (status, expected) => {
    expect(classifyStatus(status)).toBe(expected);
  });
});

describe('notifyTask', () => {
  it('POSTs the notification body as JSON with the notify headers to http://host:port/uri', async () => {
    const message = taskMessage({ port: listener.port, uri: '/hooks/notify?v=2', detail: { orderId: 7, tags: ['a'] } });
    await expect(notifyTask(message, options)).resolves.toEqual({ status: 200 });
    expect(listener.requests).toHaveLength(1);
    const [request] = listener.requests;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/hooks/notify?v=2');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers[NOTIFY_HEADERS.eventId]).toBe('evt-1');
    expect(request!.headers[NOTIFY_HEADERS.taskArn]).toBe(message.taskArn);
    expect(JSON.parse(request!.body)).toEqual({
      eventId: 'evt-1',
      source: 'observer',
      topic: 'orders',
      time: message.time,
      cluster: 'prod',
      service: 'orders',
      taskArn: message.taskArn,
      detail: { orderId: 7, tags: ['a'] },
    });
  });

  it('sends topic and detail as null when the event has none', async () => {
    const { topic: _topic, ...withoutTopic } = taskMessage({ port: listener.port });
    await notifyTask({ ...withoutTopic, detail: undefined }, options);
    expect(JSON.parse(listener.requests[0]!.body)).toMatchObject({ topic: null, detail: null });
  });

  it.each([200, 202, 204])('treats %i as delivered', async (status) => {
    listener.answer(status);
    await expect(notifyTask(taskMessage({ port: listener.port }), options)).resolves.toEqual({ status });
  });

  it.each([408, 429, 500, 503])('treats %i as transient', async (status) => {
    listener.answer(status);
    const error = await notifyTask(taskMessage({ port: listener.port }), options).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toBe(`task answered ${status}`);
  });

  it.each([302, 400, 404])('treats %i as permanent with the status in the reason', async (status) => {
    listener.answer(status);
    const error = await notifyTask(taskMessage({ port: listener.port }), options).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toBe(`task answered ${status}`);
  });

  it('a task that never answers times out as transient', async () => {
    listener.answer('hang');
    const error = await notifyTask(taskMessage({ port: listener.port }), { agent, timeoutMs: 150 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/within 150 ms/);
  });

  it('refuses a host that is not an IP address without connecting anywhere', async () => {
    const error = await notifyTask(taskMessage({ host: 'example.com' }), options).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(/IP address/);
  });

  it('connection refused is transient', async () => {
    const port = await closedPort();
    const error = await notifyTask(taskMessage({ port }), options).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('reuses one keep-alive connection for sequential POSTs', async () => {
    const own = await startNotifyListener();
    const keepAlive = createNotifyAgent();
    try {
      for (const eventId of ['e1', 'e2', 'e3']) {
        await notifyTask(taskMessage({ port: own.port, eventId }), { agent: keepAlive, timeoutMs: 2_000 });
      }
      expect(own.requests.map((request) => request.headers[NOTIFY_HEADERS.eventId])).toEqual(['e1', 'e2', 'e3']);
      expect(own.connections()).toBe(1);
      expect(new Set(own.requests.map((request) => request.socket))).toEqual(new Set([1]));
    } finally {
      keepAlive.destroy();
      await own.close();
    }
  });
});

describe('stale keep-alive connections', () => {
  it('a reset on a reused connection is sent once more on a fresh one', async () => {
    // The task drops the connection when a second request arrives on it (as when its idle
    // timeout closes the socket just as the next POST is sent).
    const perSocket = new WeakMap<Socket, number>();
    let received = 0;
    let connections = 0;
    const server = http.createServer((request, response) => {
      received++;
      const count = (perSocket.get(request.socket) ?? 0) + 1;
      perSocket.set(request.socket, count);
      if (count > 1) {
        request.socket.destroy();
        return;
      }
      request.resume();
      request.on('end', () => response.end('ok'));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const keepAlive = createNotifyAgent();
    try {
      await expect(notifyTask(taskMessage({ port, eventId: 'e1' }), { agent: keepAlive, timeoutMs: 2_000 })).resolves.toEqual({ status: 200 });
      await expect(notifyTask(taskMessage({ port, eventId: 'e2' }), { agent: keepAlive, timeoutMs: 2_000 })).resolves.toEqual({ status: 200 });
      expect(connections).toBe(2);
      expect(received).toBe(3);
    } finally {
      keepAlive.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('notifyUrl', () => {
  it('builds http://host:port/uri and brackets IPv6 hosts', () => {
    expect(notifyUrl({ host: '10.0.0.1', port: 8080, uri: '/a?b=1' }).href).toBe('http://10.0.0.1:8080/a?b=1');
    expect(notifyUrl({ host: 'fd00::1', port: 8081, uri: '/n' }).href).toBe('http://[fd00::1]:8081/n');
  });
});
