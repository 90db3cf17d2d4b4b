// Where a connection's calls and retries are reported (the core's metrics count them), for
// every transport the connection opens: the files client and the team lists.
import type { ConnectionDefinition, Services } from '../../../src/plugin.ts';
import type { TransportObserver } from '../api/http.ts';

export function callObserver(def: ConnectionDefinition, services: Services): TransportObserver {
  return {
    call: (route, status) => services.events.emit('remote:call', { connection: def.name, route, status }),
    retry: (route, reason) => services.events.emit('remote:retry', { connection: def.name, route, reason }),
  };
}
