// Chart colors that follow the system's light/dark mode.
import { useSyncExternalStore } from 'react';

let mql: MediaQueryList | null = null;
const query = () => (mql ??= window.matchMedia('(prefers-color-scheme: dark)'));

export function useDark(): boolean {
  return useSyncExternalStore(
    (f) => {
      const q = query();
      q.addEventListener('change', f);
      return () => q.removeEventListener('change', f);
    },
    () => query().matches,
  );
}

const DARK = { grid: '#2a313b', axis: '#9aa4b2', upper: '#6cb6ff', since: '#f0b429', rate: '#57d9a3', plus: '#3fb950', minus: '#f85149', frontier: '#d2a8ff', tooltipBg: '#1b2028' };
const LIGHT = { grid: '#e3e7ec', axis: '#57606a', upper: '#0969da', since: '#bf8700', rate: '#1a7f37', plus: '#2da44e', minus: '#cf222e', frontier: '#8250df', tooltipBg: '#ffffff' };

export function useChartColors(): typeof DARK {
  return useDark() ? DARK : LIGHT;
}
