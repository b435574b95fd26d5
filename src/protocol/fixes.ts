/**
 * The buttons an error can offer (editor words in src/vscode/error-words.ts, what each does in ui-errors.ts).
 * Plain data: panels send one back as a request to run it.
 */
export const FIX_IDS = ['signIn', 'chooseProfile', 'openEndpointSetting', 'openSettings', 'installPlugin', 'setPluginPath', 'openIamConsole'] as const;
export type FixId = (typeof FIX_IDS)[number];

/** Each button's label, the same in a notification and in a panel. */
export const FIX_TITLES: Readonly<Record<FixId, string>> = {
  signIn: 'Sign In',
  chooseProfile: 'Choose AWS Profile',
  openEndpointSetting: 'Open Endpoint Setting',
  openSettings: 'Open Settings',
  installPlugin: 'Install Plugin',
  setPluginPath: 'Set Path',
  openIamConsole: 'Open IAM Console',
};
