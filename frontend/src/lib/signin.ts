// Subscription sign-in (backend/api/signin.go): the Connect dialog's API shapes and its polling rule.

import type { FlowState } from './types';

export type { FlowState, SignInFlow, SignInProvider, SignInView } from './types';

export const terminal = (s: FlowState): boolean => s !== 'waiting' && s !== 'exchanging';

export const flowLabel: Record<string, string> = {
  browser: 'Sign in with the browser',
  paste: 'Paste a code (no browser here)',
  device: 'Enter a code on the vendor page',
  import: 'Import the CLI login',
};
