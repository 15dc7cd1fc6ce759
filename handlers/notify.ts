import http from 'node:http';
import { isIP } from 'node:net';
import { NOTIFY_HEADERS } from './constants';
import { PermanentError, TransientError } from './errors';
import { notificationBody, type TaskMessage } from './messages';

/**
 * One keep-alive agent for every notification of an execution environment: consecutive POSTs to
 * the same task reuse its connection instead of paying a TCP handshake each.
 */
export const createNotifyAgent = (): http.Agent => new http.Agent({ keepAlive: true, maxSockets: 64 });

/** What a task's answer means for the record. */
export type StatusClass = 'success' | 'transient' | 'permanent';

/**
 * Any 2xx is success; 408, 429 and 5xx are transient (retry later); every other status (3xx,
 * other 4xx) is permanent: the task will answer the same way however often it is asked.
 */
export const classifyStatus = (status: number): StatusClass => {
  if (status >= 200 && status <= 299) return 'success';
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) return 'transient';
  return 'permanent';
};

export interface PostOptions {
  agent: http.Agent;
  /** Covers the whole exchange: connect, send, response headers and body. */
  timeoutMs: number;
}

/** The whole request took longer than the timeout. */
export class NotifyTimeoutError extends Error {
  public constructor(timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
    this.name = 'NotifyTimeoutError';
  }
}

const once = (
  url: URL,
  headers: Record<string, string>,
  payload: Buffer,
  options: PostOptions,
): Promise<{ status: number; reusedSocket: boolean }> =>
  new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent: options.agent, headers });
    const timer = setTimeout(() => request.destroy(new NotifyTimeoutError(options.timeoutMs)), options.timeoutMs);
    const fail = (error: Error & { reusedSocket?: boolean }): void => {
      clearTimeout(timer);
      error.reusedSocket = request.reusedSocket;
      reject(error);
    };
    request.on('error', fail);
    request.on('response', (response) => {
      // Always drain the body: the socket only returns to the keep-alive pool once it is read.
      response.resume();
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, reusedSocket: request.reusedSocket });
      });
    });
    request.end(payload);
  });

/**
 * POSTs `body` as JSON to `url` and returns the status code once the response body is consumed.
 * Rejects on timeout or connection errors. A request that fails with ECONNRESET on a reused
 * keep-alive socket (the task closed its idle connection as we sent) is sent once more on a new
 * connection, as Node's documentation recommends: the task never received it.
 */
export const postJson = async (
  url: URL,
  extraHeaders: Record<string, string>,
  body: unknown,
  options: PostOptions,
): Promise<number> => {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  const headers = { ...extraHeaders, 'content-type': 'application/json', 'content-length': String(payload.length) };
  try {
    return (await once(url, headers, payload, options)).status;
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { reusedSocket?: boolean };
    if (err.reusedSocket && err.code === 'ECONNRESET') return (await once(url, headers, payload, options)).status;
    throw error;
  }
};

/** `http://<host>:<port><uri>` of a task message (IPv6 hosts bracketed). */
export const notifyUrl = (message: Pick<TaskMessage, 'host' | 'port' | 'uri'>): URL => {
  const host = message.host.includes(':') ? `[${message.host}]` : message.host;
  return new URL(`http://${host}:${message.port}${message.uri}`);
};

/** The stored result of a successful notification (what idempotency keeps and replays). */
export interface NotifyResult {
  status: number;
}

/**
 * Notifies one task target: POST with the notification body and headers, then classify.
 * Returns on 2xx; throws a TransientError (408, 429, 5xx, timeout, connection error) or a
 * PermanentError (`task answered <status>`, or a host that is not an IP address) otherwise.
 */
export const notifyTask = async (message: TaskMessage, options: PostOptions): Promise<NotifyResult> => {
  // Discovery only ever queues IP addresses; a hostname would mean a forged or corrupted message.
  if (isIP(message.host) === 0) throw new PermanentError(`task host must be an IP address, got "${message.host}"`);
  const url = notifyUrl(message);
  let status: number;
  try {
    status = await postJson(
      url,
      { [NOTIFY_HEADERS.eventId]: message.eventId, [NOTIFY_HEADERS.taskArn]: message.taskArn },
      notificationBody(message),
      options,
    );
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    throw new TransientError(`POST ${url.href} failed: ${err.code ?? err.name}: ${err.message}`, { cause: error });
  }
  switch (classifyStatus(status)) {
    case 'success':
      return { status };
    case 'transient':
      throw new TransientError(`task answered ${status}`);
    case 'permanent':
      throw new PermanentError(`task answered ${status}`);
  }
};
