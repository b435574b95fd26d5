import { StartSessionCommand, TerminateSessionCommand } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import { awsErrorCode, classifyAwsError } from '../aws/classify';
import type { SsmApi } from './api';
import { unexpectedAnswer } from './run-command';

/** What StartSession answers; the token in it is a secret and goes only to the plugin, through its environment. */
export interface StartedSession {
  SessionId: string;
  StreamUrl: string;
  TokenValue: string;
}

/** The StartSession request, exactly as sent: the plugin gets the same JSON. */
export interface SessionRequest {
  Target: string;
  DocumentName?: string;
  Parameters?: Record<string, string[]>;
  Reason?: string;
}

/** StartSession / TerminateSession; the SSM implementation is below, tests use fakes (moto has neither). */
export interface SessionApi {
  start(request: SessionRequest, signal?: AbortSignal): Promise<StartedSession>;
  terminate(sessionId: string): Promise<void>;
}

export const PORT_FORWARDING_DOCUMENT = 'AWS-StartPortForwardingSession';

export function shellRequest(instanceId: string): SessionRequest {
  return { Target: instanceId, Reason: 'GeuseMaker terminal' };
}

/** A tunnel from a local port to a port on the instance (the services listen on 127.0.0.1 there). */
export function portForwardRequest(instanceId: string, remotePort: number, localPort: number): SessionRequest {
  return {
    Target: instanceId,
    DocumentName: PORT_FORWARDING_DOCUMENT,
    Parameters: { portNumber: [String(remotePort)], localPortNumber: [String(localPort)] },
    Reason: 'GeuseMaker tunnel',
  };
}

const startedSchema = z.object({ SessionId: z.string().min(1), StreamUrl: z.string().url(), TokenValue: z.string().min(1) });

/** Reads StartSession's answer, keeping only what the plugin needs. */
export function parseStartSession(output: unknown): StartedSession {
  const parsed = startedSchema.safeParse(output);
  if (!parsed.success) throw unexpectedAnswer('StartSession', parsed.error);
  return parsed.data;
}

export class SsmSessionApi implements SessionApi {
  constructor(private readonly ssm: SsmApi) {}

  async start(request: SessionRequest, signal?: AbortSignal): Promise<StartedSession> {
    let output: unknown;
    try {
      output = await this.ssm.send(new StartSessionCommand(request), { abortSignal: signal });
    } catch (error) {
      throw classifyAwsError(error, { operation: 'ssm:StartSession' });
    }
    return parseStartSession(output);
  }

  /** Ends the session on the AWS side; already ended counts as done. */
  async terminate(sessionId: string): Promise<void> {
    try {
      await this.ssm.send(new TerminateSessionCommand({ SessionId: sessionId }));
    } catch (error) {
      // SSM names a missing session DoesNotExistException, which the general classifier does not call not-found.
      if (awsErrorCode(error) === 'DoesNotExistException') return;
      const classified = classifyAwsError(error, { operation: 'ssm:TerminateSession' });
      if (classified.kind !== 'not-found') throw classified;
    }
  }
}
