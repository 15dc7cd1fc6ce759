import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

/** A running in-memory DynamoDB (dynalite) on loopback. */
export interface LocalDynamoDb {
  /** `http://127.0.0.1:<port>`: use as `AWS_ENDPOINT_URL_DYNAMODB` or a client's `endpoint`. */
  endpoint: string;
  /** Closes every connection and the server; the data is gone. */
  stop(): Promise<void>;
}

/**
 * Starts dynalite in memory on 127.0.0.1 on a free port chosen by the OS. Tables become ACTIVE
 * after 50 ms instead of dynalite's default 500 ms so tests and the local replay stay quick, while
 * code that must wait for ACTIVE still has to.
 */
export const startLocalDynamoDb = async (): Promise<LocalDynamoDb> => {
  const server = dynalite({ createTableMs: 50, deleteTableMs: 50, updateTableMs: 50 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        // Keep-alive SDK sockets would otherwise hold close() open.
        server.closeAllConnections();
        server.close((error?: Error) => (error ? reject(error) : resolve()));
      }),
  };
};

/** A DynamoDB client for a local endpoint, with the fake credentials dynalite ignores. */
export const localDynamoDbClient = (endpoint: string): DynamoDBClient =>
  new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

/**
 * Creates the idempotency table the task notify function expects (Powertools defaults: partition
 * key `id` string; TTL attribute `expiration`, which dynalite does not expire), on demand, and
 * waits until it is ACTIVE. Creating a table that already exists is not an error.
 */
export const createIdempotencyTable = async (endpoint: string, tableName: string): Promise<void> => {
  const client = localDynamoDbClient(endpoint);
  try {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    // The SDK waiter polls at most once a second; a local table is ACTIVE within ~50 ms.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (Table?.TableStatus === 'ACTIVE') return;
      if (Date.now() > deadline) throw new Error(`Table ${tableName} is not ACTIVE after 30 s (${Table?.TableStatus ?? 'unknown'})`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    client.destroy();
  }
};
