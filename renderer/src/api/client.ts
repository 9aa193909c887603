// Typed calls to the contract, and subscriptions to push events routed by subId.
import type { ContractError, Method, Params, PushEvent, Results } from '../../../preload/contract';
import { getTransport } from './transport';

export class ApiError extends Error {
  constructor(
    readonly code: ContractError['code'],
    message: string,
  ) {
    super(message);
  }
}

export async function call<M extends Method>(method: M, params: Params<M>): Promise<Results[M]> {
  const r = await getTransport().invoke(method, params);
  if (!r.ok) throw new ApiError(r.error.code, r.error.message);
  return r.value;
}

type SubscribeParams = Params<'events.subscribe'>;
interface Sub {
  params: SubscribeParams;
  onEvent: (e: PushEvent) => void;
  subId: string | null;
  closed: boolean;
}

const subs = new Set<Sub>();
const bySubId = new Map<string, Sub>();
/** Pushes that arrive before their subscribe call has returned its subId. */
const early = new Map<string, PushEvent[]>();
let wired = false;

function wire(): void {
  if (wired) return;
  wired = true;
  const t = getTransport();
  t.subscribe(({ subId, event }) => {
    const s = bySubId.get(subId);
    if (s) s.onEvent(event);
    else {
      const list = early.get(subId) ?? [];
      if (list.length < 50) list.push(event);
      early.set(subId, list);
      setTimeout(() => early.delete(subId), 5000);
    }
  });
  t.onReconnect(() => {
    for (const s of subs) void start(s);
  });
}

async function start(s: Sub): Promise<void> {
  if (s.subId) bySubId.delete(s.subId);
  s.subId = null;
  try {
    const { subId } = await call('events.subscribe', s.params);
    if (s.closed) {
      void call('events.unsubscribe', { subId }).catch(() => undefined);
      return;
    }
    s.subId = subId;
    bySubId.set(subId, s);
    for (const e of early.get(subId) ?? []) s.onEvent(e);
    early.delete(subId);
  } catch (e) {
    const err = e instanceof ApiError ? e : new ApiError('Internal', String(e));
    s.onEvent({ topic: 'error', error: { code: err.code, message: err.message } });
  }
}

/** Subscribes now (and again after every reconnect); returns an unsubscribe. */
export function subscribe(params: SubscribeParams, onEvent: (e: PushEvent) => void): () => void {
  wire();
  const s: Sub = { params, onEvent, subId: null, closed: false };
  subs.add(s);
  void start(s);
  return () => {
    s.closed = true;
    subs.delete(s);
    if (s.subId) {
      bySubId.delete(s.subId);
      void call('events.unsubscribe', { subId: s.subId }).catch(() => undefined);
    }
  };
}
