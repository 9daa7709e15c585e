import { describe, expect, it } from 'vitest';
import { diffLines } from './diff';

describe('diffLines', () => {
  it('classes each line of a unified diff', () => {
    const d = '--- a/settings.json\n+++ b/settings.json\n@@ -1,3 +1,4 @@\n {\n-  "x": 1\n+  "x": 2\n+  "y": 3\n }\n';
    expect(diffLines(d).map((l) => l.kind)).toEqual(['meta', 'meta', 'hunk', 'ctx', 'del', 'add', 'add', 'ctx']);
  });

  it('handles CRLF and empty input', () => {
    expect(diffLines('')).toEqual([]);
    expect(diffLines('+a\r\n-b\r\n')).toEqual([
      { kind: 'add', text: '+a' },
      { kind: 'del', text: '-b' },
    ]);
  });
});
