import { SERVICE_NAMES, type StackConfig } from '../stack/config';
import { names } from '../stack/naming';
import { fill, readTemplate } from './templates';
import { renderCompose } from './compose';

export interface UserDataInput {
  config: StackConfig;
  region: string;
  fileSystemId: string;
}

/** UserData for Amazon Linux 2023. It names where secrets live, never their values. */
export function renderUserData(input: UserDataInput): string {
  const { config } = input;
  return fill(readTemplate('userdata/al2023.sh'), {
    STACK: config.name,
    REGION: input.region,
    EFS_ID: input.fileSystemId,
    PARAM_PATH: names.parameterPath(config.name),
    COMPOSE_B64: Buffer.from(renderCompose(config)).toString('base64'),
    SERVICE_DIRS: SERVICE_NAMES.filter((name) => config.services[name]).join(' '),
  });
}
