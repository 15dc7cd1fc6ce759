/** Dynalite for tests: re-exported from the local tooling so tests and `npm run replay` share one setup. */
export { createIdempotencyTable, localDynamoDbClient, startLocalDynamoDb, type LocalDynamoDb } from '../../bin/local/dynamodb';
