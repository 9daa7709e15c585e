// Normalises GET /api/combos into what the Combos page shows.

import type { Combo } from './types';

export const defaultVirtualModel = 'ninerouter/active';

export interface CombosView {
  combos: Combo[];
  active: string;
  virtualModel: string;
}

export function combosFrom(data: unknown): CombosView {
  const obj = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  const list = (Array.isArray(data) ? data : Array.isArray(obj.combos) ? obj.combos : []) as Combo[];
  const combos = list.map((c) => ({ ...c, entries: Array.isArray(c.entries) ? c.entries : [] }));
  const active =
    (typeof obj.active === 'string' ? obj.active : '') || combos.find((c) => c.active)?.name || '';
  const virtualModel = typeof obj.virtualModel === 'string' && obj.virtualModel ? obj.virtualModel : defaultVirtualModel;
  return { combos, active, virtualModel };
}
