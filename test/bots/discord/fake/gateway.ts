// A local Discord gateway: a WebSocket server speaking enough of the protocol (v10, JSON, no
// compression) for discord.js to connect as it does to Discord: HELLO, IDENTIFY → READY and
// GUILD_CREATE, heartbeats acknowledged; then the test's dispatches (INTERACTION_CREATE,
// MESSAGE_REACTION_ADD/REMOVE), numbered like Discord's.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

const OP = { dispatch: 0, heartbeat: 1, identify: 2, hello: 10, heartbeatAck: 11 } as const;

export interface IdentifyPayload {
  token: string;
  intents: number;
  properties: Record<string, string>;
}

export interface GatewayWorld {
  /** READY's `d` and the GUILD_CREATE payloads sent after IDENTIFY. */
  ready(): unknown;
  guilds(): unknown[];
}

export class FakeGateway {
  readonly identifies: IdentifyPayload[] = [];
  /** Every URL a client connected with (path and query: version, encoding, compression). */
  readonly connections: string[] = [];
  private readonly server: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private sequence = 0;

  private constructor(
    server: WebSocketServer,
    private readonly world: GatewayWorld,
  ) {
    this.server = server;
    server.on('connection', (socket, request) => this.accept(socket, request.url ?? ''));
  }

  static async start(world: GatewayWorld): Promise<FakeGateway> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    return new FakeGateway(server, world);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Sends an event to every identified client. */
  dispatch(type: string, data: unknown): void {
    this.sequence += 1;
    const packet = JSON.stringify({ op: OP.dispatch, t: type, s: this.sequence, d: data });
    for (const socket of this.sockets) socket.send(packet);
  }

  get connected(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: WebSocket, url: string): void {
    this.connections.push(url);
    socket.send(JSON.stringify({ op: OP.hello, d: { heartbeat_interval: 41_250 } }));
    socket.on('message', (raw) => {
      const packet = JSON.parse(String(raw)) as { op: number; d: unknown };
      if (packet.op === OP.heartbeat) {
        socket.send(JSON.stringify({ op: OP.heartbeatAck }));
      } else if (packet.op === OP.identify) {
        this.identifies.push(packet.d as IdentifyPayload);
        this.sockets.add(socket);
        this.dispatch('READY', this.world.ready());
        for (const guild of this.world.guilds()) this.dispatch('GUILD_CREATE', guild);
      }
    });
    socket.on('close', () => this.sockets.delete(socket));
  }
}
