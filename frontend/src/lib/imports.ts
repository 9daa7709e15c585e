// The Import, Backup and Sync panel's data (backend/api/imports.go): what the API answers, and the small pure
// helpers the panel uses. Secrets never come back from these routes: a preview names keys by their first
// characters only.

export type ImportAction = 'add' | 'merge' | 'skip';

export interface ImportItem {
  kind: string;
  name: string;
  action: ImportAction;
  detail?: string;
  reason?: string;
}

export interface ImportPreview {
  source: string;
  origin: string;
  format: string;
  items: ImportItem[];
  notes?: { kind: string; name: string; reason: string }[];
  counts: Record<ImportAction, number>;
  applied: boolean;
}

export interface ImportSource {
  source: '9router' | 'cliproxyapi';
  name: string;
  path: string;
  found: boolean;
  offer: boolean;
}

export interface SyncConflict {
  at: string;
  kind: string;
  key: string;
  winner: string;
  loser: string;
  deleted: boolean;
}

export interface SyncStatus {
  enabled: boolean;
  folder: string;
  machine: string;
  lastSynced?: string;
  lastError?: string;
  peers: { machine: string; applied: string }[];
  conflicts: SyncConflict[];
}

/** The request body of /api/import/preview and /apply. data is the backup file, base64 (Go's []byte in JSON). */
export interface ImportRequest {
  source: string;
  path?: string;
  data?: string;
  passphrase?: string;
}

/** One line saying what an import will do (or did). */
export function summary(p: ImportPreview): string {
  const c = p.counts ?? { add: 0, merge: 0, skip: 0 };
  const verb = p.applied ? 'were' : 'will be';
  return `${c.add} ${verb} added, ${c.merge} merged, ${c.skip} skipped.`;
}

/** The detail column: what lands, then why it was skipped or merged. */
export function itemText(it: ImportItem): string {
  return [it.detail, it.reason].filter((s) => s && s.length > 0).join('; ');
}

/** Items grouped by kind, in the order the preview lists them. */
export function groupByKind(items: ImportItem[]): { kind: string; items: ImportItem[] }[] {
  const out: { kind: string; items: ImportItem[] }[] = [];
  for (const it of items) {
    const last = out[out.length - 1];
    if (last && last.kind === it.kind) last.items.push(it);
    else out.push({ kind: it.kind, items: [it] });
  }
  return out;
}

/** Bytes to base64, in chunks (a backup can be larger than one call's argument list). */
export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

export function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Checks a new passphrase pair; the message to show, or '' when good. */
export function passphraseProblem(pass: string, repeat: string): string {
  if ([...pass].length < 8) return 'The passphrase needs at least 8 characters.';
  if (pass !== repeat) return 'The two passphrases differ.';
  return '';
}
