import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * AWS SDK v3 clients with adaptive retries: throttling and 5xx are retried with client-side rate
 * limiting before a record is reported failed. Endpoints follow the SDK's standard settings
 * (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_ECS`, ...), which is how the local replay points them at
 * loopback without any special code path.
 */
const RETRY = { retryMode: 'adaptive', maxAttempts: 6 } as const;

export const createEcsClient = (): ECSClient => new ECSClient({ ...RETRY });
export const createEc2Client = (): EC2Client => new EC2Client({ ...RETRY });
export const createSqsClient = (): SQSClient => new SQSClient({ ...RETRY });
