import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TaskBehaviour, TaskFault } from './faults';
import type { SimCluster, SimContainer, SimTask } from './world';
import { stopTask } from './world';

/**
 * Every task container of the simulated cluster is a real HTTP listener on a loopback address
 * that records what it receives. Addresses follow ECS: an awsvpc task has its own address
 * (127.10-19.x.y) and listens on the container port; bridge and host tasks listen on their
 * container instance's address (127.20-29.x.y), bridge on a dynamic host port (32768-60999).
 */

/** A request a task's listener received. */
export interface ReceivedRequest {
  task: SimTask;
  container: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
  receivedAt: number;
  /**
   * Status the task answered; 0 while it has not answered, and for ever when the caller gave up
   * first (timeout) or the task never answers.
   */
  status: number;
}

const DYNAMIC_PORTS = { first: 32_768, last: 60_999 } as const;

/** Hands out loopback addresses 127.<first..first+9>.x.y, from a random start. */
export class AddressPool {
  private next: number;
  private static readonly SIZE = 10 * 256 * 254;

  public constructor(private readonly firstOctet: number) {
    this.next = Math.floor(Math.random() * AddressPool.SIZE);
  }

  public take(): string {
    const n = this.next++ % AddressPool.SIZE;
    return `127.${this.firstOctet + Math.floor(n / (256 * 254))}.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
  }
}

interface TargetState {
  task: SimTask;
  container: SimContainer;
  behaviour: TaskBehaviour | undefined;
  /** Requests answered with the fault so far (for `times`). */
  faulted: number;
  server: Server | undefined;
}

const isAddressInUse = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'EADDRINUSE';

/** Behaviour of a container from the faults (the last matching fault wins). */
export const behaviourFor = (faults: readonly TaskFault[], task: SimTask, container: string): TaskBehaviour | undefined => {
  let found: TaskBehaviour | undefined;
  for (const fault of faults) {
    if (fault.service !== task.service) continue;
    if (fault.task !== undefined && fault.task !== task.runningIndex) continue;
    if (fault.container !== undefined && fault.container !== container) continue;
    found = fault.behaviour;
  }
  return found;
};

/** Short text of a behaviour for the report. */
export const describeBehaviour = (behaviour: TaskBehaviour | undefined): string | undefined => {
  if (!behaviour) return undefined;
  switch (behaviour.kind) {
    case 'status':
      return `answers ${behaviour.status}${behaviour.times ? ` ${behaviour.times}x` : ''}`;
    case 'slow':
      return `answers after ${behaviour.delayMs} ms${behaviour.times ? ` ${behaviour.times}x` : ''}`;
    case 'hang':
      return 'never answers';
    case 'refuse':
      return 'refuses connections';
    case 'stop-after-discovery':
      return 'stops after discovery';
  }
};

/** The listeners of one simulated cluster. */
export class TaskListeners {
  /** Every request received, in arrival order. */
  public readonly received: ReceivedRequest[] = [];
  private readonly targets: TargetState[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly stopped = new Set<string>();
  private closed = false;

  public constructor(
    private readonly cluster: SimCluster,
    private readonly faults: readonly TaskFault[],
    /** Called for every request as it arrives (crash injection counts them). */
    private readonly onRequest: (request: ReceivedRequest) => void = () => undefined,
  ) {}

  /**
   * Assigns the addresses and binds every listener (tasks not STOPPED). An address or dynamic
   * port already taken on this machine is skipped.
   */
  public async start(): Promise<void> {
    const taskPool = new AddressPool(10);
    const instancePool = new AddressPool(20);
    for (const instance of this.cluster.containerInstances) instance.address = instancePool.take();
    const tasks = [...this.cluster.tasks.values()];
    const queue = [...tasks];
    const worker = async (): Promise<void> => {
      for (let task = queue.shift(); task; task = queue.shift()) await this.bindTask(task, taskPool);
    };
    await Promise.all(Array.from({ length: 32 }, worker));
  }

  private async bindTask(task: SimTask, pool: AddressPool): Promise<void> {
    const mode = task.taskDefinition.networkMode;
    if (mode !== 'awsvpc') task.address = task.containerInstance?.address ?? '';
    for (let tries = 0; ; tries++) {
      if (mode === 'awsvpc') task.address = pool.take();
      const bound: TargetState[] = [];
      try {
        for (const container of task.containers) {
          const behaviour = behaviourFor(this.faults, task, container.name);
          const state: TargetState = { task, container, behaviour, faulted: 0, server: undefined };
          bound.push(state);
          if (task.lastStatus === 'STOPPED' || behaviour?.kind === 'refuse') {
            if (mode === 'bridge') container.hostPort = randomDynamicPort();
            continue;
          }
          state.server = await this.bindContainer(state, mode === 'bridge');
        }
        this.targets.push(...bound);
        return;
      } catch (error) {
        await Promise.all(bound.map((state) => closeServer(state.server)));
        if (!isAddressInUse(error) || mode !== 'awsvpc' || tries > 20) throw error;
      }
    }
  }

  private async bindContainer(state: TargetState, dynamic: boolean): Promise<Server> {
    for (let tries = 0; ; tries++) {
      if (dynamic) state.container.hostPort = randomDynamicPort();
      const server = createServer((request, response) => this.handle(state, request, response));
      server.keepAliveTimeout = 5_000;
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(state.container.hostPort, state.task.address, () => {
            server.off('error', reject);
            resolve();
          });
        });
        if (!dynamic) state.container.hostPort = (server.address() as AddressInfo).port;
        return server;
      } catch (error) {
        if (!isAddressInUse(error) || !dynamic || tries > 50) throw error;
      }
    }
  }

  private handle(state: TargetState, request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the raw text: the report shows what arrived
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const received: ReceivedRequest = {
        task: state.task,
        container: state.container.name,
        method: request.method ?? '',
        path: request.url ?? '',
        headers,
        body,
        receivedAt: Date.now(),
        status: 0,
      };
      this.received.push(received);
      this.onRequest(received);
      this.respond(state, received, response);
    });
  }

  private respond(state: TargetState, received: ReceivedRequest, response: ServerResponse): void {
    const answer = (status: number): void => {
      if (response.destroyed || response.writableEnded || response.socket?.destroyed) return;
      received.status = status;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ received: status < 300 }));
    };
    const behaviour = state.behaviour;
    const faultActive = (times: number | undefined): boolean => (times === undefined || state.faulted < times ? (state.faulted++, true) : false);
    if (behaviour?.kind === 'hang') return;
    if (behaviour?.kind === 'status' && faultActive(behaviour.times)) return answer(behaviour.status);
    if (behaviour?.kind === 'slow' && faultActive(behaviour.times)) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        answer(200);
      }, behaviour.delayMs);
      this.timers.add(timer);
      return;
    }
    answer(200);
  }

  /**
   * Called with the tasks a DescribeTasks response reported: a task whose fault is
   * `stop-after-discovery` stops now (listener closed, ECS reports it STOPPED).
   */
  public afterDescribe(tasks: readonly SimTask[]): void {
    for (const task of tasks) {
      if (this.stopped.has(task.arn) || task.lastStatus !== 'RUNNING') continue;
      const states = this.targets.filter((state) => state.task === task);
      if (!states.some((state) => state.behaviour?.kind === 'stop-after-discovery')) continue;
      this.stopped.add(task.arn);
      stopTask(task, 'Essential container in task exited');
      for (const state of states) {
        const server = state.server;
        state.server = undefined;
        void closeServer(server);
      }
    }
  }

  /** Behaviour of a target, for the report. */
  public behaviourOf(task: SimTask, container: string): TaskBehaviour | undefined {
    return this.targets.find((state) => state.task === task && state.container.name === container)?.behaviour;
  }

  /** Number of bound listeners. */
  public get listening(): number {
    return this.targets.filter((state) => state.server).length;
  }

  public async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.targets.map((state) => closeServer(state.server)));
  }
}

const randomDynamicPort = (): number =>
  DYNAMIC_PORTS.first + Math.floor(Math.random() * (DYNAMIC_PORTS.last - DYNAMIC_PORTS.first + 1));

const closeServer = (server: Server | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (!server || !server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
