// Subscription sign-in (backend/api/signin.go): the Connect dialog's API shapes and its polling rule.

export interface SignInProvider {
  id: string;
  name: string;
  prefix: string;
  plans: string;
  status?: string;
  risk?: string;
  flows: string[]; // "browser" | "paste" | "device" | "import"
  importPath?: string;
  importNote?: string;
}

export type FlowState = 'waiting' | 'exchanging' | 'done' | 'failed' | 'expired' | 'cancelled';

export interface SignInFlow {
  id: string;
  provider: string;
  providerName: string;
  flow: string;
  state: FlowState;
  url?: string;
  userCode?: string;
  verificationUri?: string;
  message?: string;
  importNote?: string;
  expiresAt: string;
  accountId?: number;
  email?: string;
  plan?: string;
}

/** An account's sign-in as GET /api/accounts reports it (subscription accounts only). */
export interface SignInView {
  email?: string;
  plan?: string;
  state: 'ok' | 'needs_sign_in' | 'error';
  message?: string;
  expiresAt?: string;
}

export const terminal = (s: FlowState): boolean => s !== 'waiting' && s !== 'exchanging';

export const flowLabel: Record<string, string> = {
  browser: 'Sign in with the browser',
  paste: 'Paste a code (no browser here)',
  device: 'Enter a code on the vendor page',
  import: 'Import the CLI login',
};
