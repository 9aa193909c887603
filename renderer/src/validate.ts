// Form input checked as the user types, with messages in words ("time must be a whole number ≥
// the shard's upper, 16"), so that no form ever sends a default in place of what was typed or
// shows a raw validator message.
import { fmtCount } from './format';

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

export interface WholeRule {
  /** what the field is called in the message: "time", "as_of", "diff" */
  name: string;
  min?: number;
  /** how to say the lower bound, e.g. "the shard's upper, 16" (default: the number) */
  minLabel?: string;
  max?: number;
  maxLabel?: string;
  /** diffs: 0 changes nothing */
  nonZero?: boolean;
}

const num = (n: number) => (n < 0 ? `−${fmtCount(-n)}` : fmtCount(n));

/** The rule as the sentence the user reads when the input breaks it. */
export function describe(r: WholeRule): string {
  const lo = r.min === undefined ? null : (r.minLabel ?? num(r.min));
  const hi = r.max === undefined ? null : (r.maxLabel ?? num(r.max));
  const what = r.nonZero ? 'a whole number other than 0' : 'a whole number';
  if (r.min === 0 && hi === null) return `${r.name} must be ${r.nonZero ? 'a whole number above 0' : 'a whole number ≥ 0'}`;
  if (lo !== null && hi !== null) return `${r.name} must be ${what} from ${lo} to ${hi}`;
  if (lo !== null) return `${r.name} must be ${what} ≥ ${lo}`;
  if (hi !== null) return `${r.name} must be ${what} ≤ ${hi}`;
  return `${r.name} must be ${what}`;
}

/** A whole number within the rule's bounds (and within safe integers), or the rule in words. */
export function parseWhole(text: string, rule: WholeRule): Checked<number> {
  const r = { ...rule, min: rule.min ?? -Number.MAX_SAFE_INTEGER, max: rule.max ?? Number.MAX_SAFE_INTEGER };
  const t = text.trim().replace(/[_,\s]/g, '');
  const fail = (message: string): Checked<number> => ({ ok: false, message });
  if (!/^[−-]?\d+$/.test(t)) return fail(describe(rule));
  const n = Number(t.replace('−', '-'));
  if (!Number.isSafeInteger(n)) {
    return fail(`${rule.name} is too large: the largest whole number allowed is ${fmtCount(Number.MAX_SAFE_INTEGER)}`);
  }
  if (n < r.min || n > r.max || (rule.nonZero && n === 0)) return fail(describe(rule));
  return { ok: true, value: n };
}

/** An optional whole number: empty means "use the default" (null). */
export function parseOptionalWhole(text: string, rule: WholeRule): Checked<number | null> {
  return text.trim() === '' ? { ok: true, value: null } : parseWhole(text, rule);
}

/** A key or value typed as text, checked against the shard's codec the way main parses it. */
export function checkCodecText(codec: string, text: string, what: string): string | null {
  if (codec === 'string' || codec === 'unit') return null;
  if (codec === 'bytes') {
    const hex = text.replace(/^0x/, '').replace(/\s+/g, '');
    return /^([0-9a-fA-F]{2})*$/.test(hex) ? null : `${what} must be hex bytes (pairs of 0-9, a-f), e.g. 0a1b2c`;
  }
  try {
    JSON.parse(text);
    return null;
  } catch {
    return `${what} must be JSON, e.g. {"n": 1}, 42 or "text"`;
  }
}
