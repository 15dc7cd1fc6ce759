import { DescribeTaskDefinitionCommand, type ECSClient, type TaskDefinition } from '@aws-sdk/client-ecs';

/**
 * Task definition revisions are immutable, so a revision described once is valid for the life of
 * the execution environment. The cache holds promises: concurrent records asking for the same ARN
 * share one DescribeTaskDefinition call. A failed call is forgotten so the next record retries it.
 */
export class TaskDefinitionCache {
  private readonly entries = new Map<string, Promise<TaskDefinition>>();

  /** @param maxEntries oldest entries are evicted beyond this. @default 500 */
  public constructor(private readonly maxEntries = 500) {}

  /** Number of ARNs held (for tests and the benchmark). */
  public get size(): number {
    return this.entries.size;
  }

  public get(ecs: ECSClient, taskDefinitionArn: string): Promise<TaskDefinition> {
    const cached = this.entries.get(taskDefinitionArn);
    if (cached) return cached;
    const pending = ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: taskDefinitionArn })).then((response) => {
      if (!response.taskDefinition) throw new Error(`DescribeTaskDefinition returned no task definition for ${taskDefinitionArn}`);
      return response.taskDefinition;
    });
    this.entries.set(taskDefinitionArn, pending);
    pending.catch(() => this.entries.delete(taskDefinitionArn));
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return pending;
  }

  public clear(): void {
    this.entries.clear();
  }
}
