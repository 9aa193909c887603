import { describe, expect, it } from 'vitest';
import { csvCell, csvLine, jsonLine } from './export-format';

describe('CSV cells', () => {
  it('neutralises cells a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
    expect(csvCell('\rcmd')).toBe(`"'\rcmd"`);
  });

  it('leaves ordinary text and numbers alone, quoting only what needs it', () => {
    expect(csvCell('apple')).toBe('apple');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell(-8)).toBe('-8'); // a number column is data, not a formula
    expect(csvCell('a=b')).toBe('a=b');
  });

  it('a row: neutralised key and value, numeric time and diff', () => {
    expect(csvLine({ key: '=1+1', val: 'x', time: 3, diff: -1 })).toBe("'=1+1,x,3,-1\n");
  });
});

describe('JSON Lines', () => {
  it('one object per line, keys and values as their text', () => {
    expect(jsonLine({ key: '{"a":1}', val: 'line\nbreak', time: 0, diff: 2 })).toBe('{"key":"{\\"a\\":1}","val":"line\\nbreak","time":0,"diff":2}\n');
  });
});
