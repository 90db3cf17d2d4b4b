// What a plugin tells the core about its traffic with the remote service, for the
// metrics: one event per HTTP attempt, per retry and per token refresh. The core
// knows a route only as a label (e.g. `files/upload`), never what it means.
import { EventEmitter } from 'node:events';

export interface RemoteCallEvent {
  connection: string;
  /** The service's name for the call, e.g. `files/list_folder`. */
  route: string;
  /** HTTP status of the answer; 0 when none came (network or proxy failure). */
  status: number;
}

export interface RemoteRetryEvent {
  connection: string;
  route: string;
  /** Why it is tried again, e.g. `too_many_requests`. */
  reason: string;
}

export interface TokenRefreshEvent {
  connection: string;
  ok: boolean;
}

export interface RemoteEventMap {
  'remote:call': [RemoteCallEvent];
  'remote:retry': [RemoteRetryEvent];
  'remote:token-refresh': [TokenRefreshEvent];
}

export class RemoteEvents extends EventEmitter<RemoteEventMap> {}
