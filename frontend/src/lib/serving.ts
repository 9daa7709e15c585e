// Words for account and tier states, the same on the Overview, the Providers page and the tray.

import type { AccountView } from './types';

export type AccountState = 'ready' | 'cooling' | 'over-budget' | 'disabled' | 'needs-sign-in' | 'no-account';

export const stateWords: Record<AccountState, { label: string; cls: string }> = {
  ready: { label: 'ready', cls: 'ok' },
  cooling: { label: 'cooling down', cls: 'warn' },
  'over-budget': { label: 'over budget', cls: 'warn' },
  disabled: { label: 'disabled', cls: '' },
  'needs-sign-in': { label: 'needs sign-in', cls: 'bad' },
  'no-account': { label: 'no account', cls: 'bad' },
};

export function stateLabel(s: string): { label: string; cls: string } {
  return stateWords[s as AccountState] ?? { label: s, cls: '' };
}

/** An account's state from its view: disabled, needs sign-in (no key), cooling (any live cooldown), over budget. */
export function accountState(a: AccountView, now: number = Date.now()): { state: AccountState; until?: string } {
  if (!a.enabled) return { state: 'disabled' };
  if (!a.hasKey) return { state: 'needs-sign-in' };
  const live = (a.cooldowns ?? []).filter((c) => Date.parse(c.until) > now).sort((x, y) => Date.parse(y.until) - Date.parse(x.until));
  if (live.length) return { state: 'cooling', until: live[0].until };
  if (a.overBudget) return { state: 'over-budget' };
  return { state: 'ready' };
}

/** The words the tray uses for a CLI tool's state (app/tray_routing.go toolsForTray). */
export const toolStateWords: Record<string, { label: string; cls: string }> = {
  configured: { label: 'using NineRouter', cls: 'ok' },
  'not-configured': { label: 'not set up', cls: '' },
  elsewhere: { label: 'points elsewhere', cls: 'accent' },
  stale: { label: 'stale config', cls: 'warn' },
  error: { label: 'config unreadable', cls: 'bad' },
};

export interface StepInput {
  accounts: number;
  active: string;
  tools: { installed: boolean; configOnly?: boolean; state: string }[];
}

/** The getting-started steps and whether each is done. */
export function gettingStarted(i: StepInput): { provider: boolean; combo: boolean; tools: boolean; detected: number; all: boolean } {
  const present = i.tools.filter((t) => t.installed || t.configOnly);
  const provider = i.accounts > 0;
  const combo = i.active !== '';
  const tools = present.length > 0 ? present.some((t) => t.state === 'configured') : i.tools.some((t) => t.state === 'configured');
  // With no tool on this machine the last step cannot be done here; it does not hold the others back.
  return { provider, combo, tools, detected: present.length, all: provider && combo && (tools || present.length === 0) };
}
