// The words of persist, said once: the README's glossary and the app's tooltips use the same text.
export const GLOSSARY = {
  since:
    'since: the earliest time a reader may still read as of. Times before it may be compacted together; it only moves forward, held back by the readers.',
  upper:
    'upper: the first time not yet written. Everything before it is sealed: snapshots up to upper − 1 can be read, and new writes start at it.',
  lag: 'lag: upper − since, the span of times still readable one by one. 0 (or a since past the upper) means no time can be read.',
  seqno: "seqno: the number of the shard's state version; every change (append, compaction, lease, since) makes a new one.",
  batch: 'batch: the updates of one append (or one compaction output) for a time interval [lower, upper), stored as one or more parts.',
  part: 'part: one blob of encoded, sorted updates; a batch is one or more parts.',
  lease:
    'lease: a reader or writer registered in the shard, kept alive by heartbeats. A reader holds back the since; an expired lease is removed and its owner must reopen.',
} as const;

export type Term = keyof typeof GLOSSARY;
