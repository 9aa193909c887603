// An open location as the renderer sees it: its own module so the per-area contracts
// (profiles-contract.ts) can name it without importing contract.ts, which imports them.
export interface LocationInfo {
  id: string;
  label: string;
  kind: 'sandbox' | 'uri';
  isDefault: boolean;
  /** only a path the user chose (never the default sandbox's location on disk) */
  path: string | null;
}
