import type {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
  StartSessionCommand,
  TerminateSessionCommand,
} from '@aws-sdk/client-ssm';

export type SsmCommand =
  | SendCommandCommand
  | GetCommandInvocationCommand
  | CancelCommandCommand
  | DescribeInstanceInformationCommand
  | StartSessionCommand
  | TerminateSessionCommand;

/**
 * The slice of SSMClient this module uses. An SSMClient fits it as is; tests replay recorded responses
 * through a small fake of it, because moto has no Run Command output, StartSession or DescribeInstanceInformation.
 * Every answer is parsed with zod, so `unknown` is all it promises.
 */
export interface SsmApi {
  send(command: SsmCommand, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}
