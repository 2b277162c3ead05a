// Typed message descriptors for the channels that are not JSON-RPC: webview ⇄ extension
// (postMessage) and browser ⇄ service (WebSocket). Each message is one constant with a
// `scope/name` method and an `is()` guard, so a receiver asks
// `Descriptor.is(msg)` instead of switching on an untyped string.

/** A runtime check that narrows `unknown` to T. */
export type Guard<T> = (value: unknown) => value is T;

export interface NotificationMessage<P = unknown> {
  kind: 'notification';
  method: string;
  params: P;
}

export interface RequestMessage<P = unknown> {
  kind: 'request';
  id: number;
  method: string;
  params: P;
}

export interface ResponseMessage<R = unknown> {
  kind: 'response';
  id: number;
  result?: R;
  /** One line, never a stack trace. */
  error?: string;
}

/** A one-way message. */
export class NotificationType<P> {
  constructor(
    readonly method: string,
    private readonly guard: Guard<P>,
  ) {}

  create(params: P): NotificationMessage<P> {
    return { kind: 'notification', method: this.method, params };
  }

  is(message: unknown): message is NotificationMessage<P> {
    return isRecord(message) && message.kind === 'notification' && message.method === this.method && this.guard(message.params);
  }
}

/** A request answered by one ResponseMessage with the same id. */
export class RequestType<P, R> {
  /** Phantom: lets `handle(type, fn)` check the handler's result type. */
  declare readonly _result: R;

  constructor(
    readonly method: string,
    private readonly guard: Guard<P>,
  ) {}

  create(id: number, params: P): RequestMessage<P> {
    return { kind: 'request', id, method: this.method, params };
  }

  is(message: unknown): message is RequestMessage<P> {
    return isRecord(message) && message.kind === 'request' && typeof message.id === 'number' && message.method === this.method && this.guard(message.params);
  }
}

export function isResponse(message: unknown): message is ResponseMessage {
  return isRecord(message) && message.kind === 'response' && typeof message.id === 'number';
}

/** A request with this method but params that fail its guard, or an unknown method. */
export function isAnyRequest(message: unknown): message is RequestMessage {
  return isRecord(message) && message.kind === 'request' && typeof message.id === 'number' && typeof message.method === 'string';
}

// ── guards ────────────────────────────────────────────────────────────────────────────

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const isString: Guard<string> = (v): v is string => typeof v === 'string';
export const isNumber: Guard<number> = (v): v is number => typeof v === 'number' && Number.isFinite(v);
export const isBoolean: Guard<boolean> = (v): v is boolean => typeof v === 'boolean';
export const isUnknown: Guard<unknown> = (_v): _v is unknown => true;

export function optional<T>(guard: Guard<T>): Guard<T | undefined> {
  return (v): v is T | undefined => v === undefined || guard(v);
}

export function nullable<T>(guard: Guard<T>): Guard<T | null> {
  return (v): v is T | null => v === null || guard(v);
}

export function arrayOf<T>(guard: Guard<T>, maxLength = Infinity): Guard<T[]> {
  return (v): v is T[] => Array.isArray(v) && v.length <= maxLength && v.every(guard);
}

export function oneOf<T extends string>(...values: T[]): Guard<T> {
  return (v): v is T => typeof v === 'string' && (values as string[]).includes(v);
}

/** An object with (at least) these fields; every key of T needs a guard (optional keys: `optional(…)`). */
export function objectOf<T>(shape: { [K in keyof T]-?: Guard<T[K]> }): Guard<T> {
  const entries = Object.entries(shape) as Array<[string, Guard<unknown>]>;
  return (v): v is T => isRecord(v) && entries.every(([key, guard]) => guard(v[key]));
}
