import { describeExit, freeLocalPort, GeuseError, type ServiceSpec, stackTunnel, type Tunnel, type TunnelEvent } from '../engine';
import { interruptible, progressPrinter } from './interaction';
import { openInBrowser } from './open-browser';
import type { ProgressPrinter } from './progress-printer';
import type { Session } from './session';

/** Free local ports, one per service: --local-port for the first (refused when taken), else the service's own port when free. */
async function localPorts(s: Session, services: readonly ServiceSpec[]): Promise<number[]> {
  const ports: number[] = [];
  for (const [index, spec] of services.entries()) {
    const wanted = index === 0 ? s.args.localPort : undefined;
    let port = await freeLocalPort(wanted ?? spec.port);
    if (wanted !== undefined && port !== wanted) {
      throw new GeuseError({
        code: 'NO_FREE_PORT', kind: 'invalid-input',
        message: `--local-port ${wanted} is in use by another program on this machine.`,
        nextStep: `Pick another port, or leave --local-port out to get a free one: ${s.command(['tunnel', ...s.args.operands])}`,
      });
    }
    // Nothing listens on a chosen port until its plugin starts, so the OS could hand the same one out twice.
    while (ports.includes(port)) port = await freeLocalPort();
    ports.push(port);
  }
  return ports;
}

/** The address to give the user: a URL for a web service, host:port for PostgreSQL. */
function localAddress(spec: ServiceSpec, port: number): string {
  return spec.proxyPrefix === undefined ? `localhost:${port}` : `http://localhost:${port}/`;
}

function eventNotes(printer: ProgressPrinter, spec: ServiceSpec, port: number): (event: TunnelEvent) => void {
  const note = (message: string): void => printer.listener({ type: 'note', message });
  return (event) => {
    switch (event.type) {
      case 'open':
        if (event.reconnected) note(`The tunnel to ${spec.displayName} is open again on localhost:${port} (SSM session ${event.sessionId}).`);
        return;
      case 'dropped':
        note(`The tunnel to ${spec.displayName} closed (session-manager-plugin ${describeExit(event.exit)}); reconnecting with a new SSM session in ${Math.round(event.retryInMs / 1000)} s (${event.attempt} of ${event.maxAttempts}).`);
        return;
      case 'retry-failed':
        note(`Reconnecting the tunnel to ${spec.displayName} failed: ${event.error.message} Trying again in ${Math.round(event.retryInMs / 1000)} s (${event.attempt} of ${event.maxAttempts}).`);
        return;
      case 'output':
        note(`session-manager-plugin (${spec.name}): ${event.text}`);
        return;
      case 'ended':
        if (event.error) note(`Could not end SSM session ${event.sessionId}: ${event.error.message} It ends on its own after SSM's idle timeout.`);
    }
  };
}

/** What the user is told once every tunnel is open: the addresses, and how to sign in to n8n. */
function announce(s: Session, name: string, services: readonly ServiceSpec[], ports: readonly number[]): void {
  const rows = services.map((spec, index) => ({ service: spec.name, localPort: ports[index] ?? 0, remotePort: spec.port, address: localAddress(spec, ports[index] ?? 0) }));
  const n8n = services.some((spec) => spec.name === 'n8n') ? { email: `admin@${name}.local`, passwordCommand: s.command(['password', name]) } : undefined;
  if (s.args.json) {
    s.json({ stack: name, tunnels: rows, ...(n8n ? { n8nLogin: n8n } : {}) });
    return;
  }
  s.out([
    ...rows.map((row) => `${row.service.padEnd(9)} ${row.address}`),
    ...(n8n ? ['', `n8n: sign in as ${n8n.email}; the owner password: ${n8n.passwordCommand}`] : []),
    '', 'The tunnels stay open until Ctrl-C.',
  ]);
}

/** Opens a tunnel per service, keeps them until Ctrl-C (or until one gives up reconnecting), and ends every SSM session. */
export async function runTunnels(s: Session, name: string, services: readonly ServiceSpec[], pluginPath: string): Promise<void> {
  const ports = await localPorts(s, services);
  const printer = progressPrinter(s);
  await interruptible(s, printer, async (signal) => {
    const tunnels: Tunnel[] = services.map((spec, index) => stackTunnel(s.engine, name, {
      pluginPath, remotePort: spec.port, localPort: ports[index] ?? 0, service: spec.name, env: s.io.env, signal,
      onEvent: eventNotes(printer, spec, ports[index] ?? 0),
    }));
    const closeAll = () => Promise.all(tunnels.map((each) => each.close()));
    try {
      await Promise.all(tunnels.map((each) => each.ready));
    } catch (error) {
      await closeAll();
      if (signal.aborted) return;
      throw error;
    }
    announce(s, name, services, ports);
    const web = services.findIndex((spec) => spec.proxyPrefix !== undefined);
    if (s.args.open && web >= 0) {
      const url = localAddress(services[web]!, ports[web] ?? 0);
      const opened = await openInBrowser(url, s.io.env);
      if (!opened.opened) printer.listener({ type: 'note', message: `Did not open a browser (${opened.why}); open ${url} yourself.` });
    }
    // Until Ctrl-C closes them all, or one stops for good (reconnecting gave up).
    const first = await Promise.race(tunnels.map((each) => each.closed));
    await closeAll();
    if (first.error && !signal.aborted) throw first.error;
  }, 'Closing the tunnels and ending their SSM sessions (Ctrl-C again to quit at once).');
}
