// A persist word with its glossary meaning as a tooltip (hover, or focus for keyboard users).
import type { ReactNode } from 'react';
import { GLOSSARY, type Term as TermName } from '../glossary';

export function Term({ name, children }: { name: TermName; children?: ReactNode }) {
  return (
    <abbr className="term" title={GLOSSARY[name]} tabIndex={0}>
      {children ?? name}
    </abbr>
  );
}
