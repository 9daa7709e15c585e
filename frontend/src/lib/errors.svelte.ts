// Error messages in plain words, kept beside the field they are about.

import { ApiError } from './api';

const prefixes = /^(invalid|conflict|not found|bad request|error)\s*:\s*/i;

/** The message of any error, without machine prefixes ("invalid: …"), starting with a capital. */
export function plain(err: unknown): string {
  let msg = err instanceof ApiError || err instanceof Error ? err.message : String(err);
  while (prefixes.test(msg)) msg = msg.replace(prefixes, '');
  msg = msg.trim();
  if (!msg) return 'Something went wrong.';
  return msg.charAt(0).toUpperCase() + msg.slice(1);
}

/**
 * Which form field a server message is about, from the words it uses; '' when none matches. fields maps a
 * field id to the words that name it (e.g. {baseUrl: ['base url', 'url']}); the first match in order wins.
 */
export function fieldOf(message: string, fields: Record<string, readonly string[]>): string {
  const m = message.toLowerCase();
  for (const [id, words] of Object.entries(fields)) {
    if (words.some((w) => m.includes(w))) return id;
  }
  return '';
}

/** Field errors of a form: set one, clear one when its field changes, and read them. */
export class FieldErrors {
  errors = $state<Record<string, string>>({});
  /** An error that belongs to no one field (shown under the form). */
  form = $state('');

  set(field: string, message: string): void {
    if (field) this.errors = { ...this.errors, [field]: message };
    else this.form = message;
  }
  clear(field?: string): void {
    if (field === undefined) {
      this.errors = {};
      this.form = '';
      return;
    }
    if (field in this.errors) {
      const { [field]: _, ...rest } = this.errors;
      this.errors = rest;
    }
  }
  get any(): boolean {
    return this.form !== '' || Object.keys(this.errors).length > 0;
  }
}
