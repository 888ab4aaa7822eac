// A local Discord gateway: a WebSocket server speaking enough of the protocol (v10, JSON, no
// compression) for discord.js to connect as it does to Discord: HELLO, IDENTIFY → READY and
// GUILD_CREATE, heartbeats acknowledged; then the test's dispatches (INTERACTION_CREATE,
// MESSAGE_REACTION_ADD/REMOVE), numbered like Discord's. Sharded like Discord: a session that
// identifies with `shard: [id, count]` is sent only the events of its guilds.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { shardOfGuild, type Shard } from './world.js';

const OP = { dispatch: 0, heartbeat: 1, identify: 2, hello: 10, heartbeatAck: 11 } as const;

export interface IdentifyPayload {
  token: string;
  intents: number;
  properties: Record<string, string>;
  shard?: Shard;
}

export interface GatewayWorld {
  /** READY's `d` and the GUILD_CREATE payloads sent after IDENTIFY on `shard`. */
  ready(shard: Shard): unknown;
  guilds(shard: Shard): unknown[];
}

interface Session {
  shard: Shard;
  /** Each session numbers its own dispatches, as on Discord. */
  sequence: number;
}

export class FakeGateway {
  readonly identifies: IdentifyPayload[] = [];
  /** Every URL a client connected with (path and query: version, encoding, compression). */
  readonly connections: string[] = [];
  /** Every dispatch sent, with the shard of the session it went to. */
  readonly sent: { type: string; shard: Shard; data: unknown }[] = [];
  private readonly server: WebSocketServer;
  private readonly sessions = new Map<WebSocket, Session>();

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

  /** Sends an event to every identified session whose shard has its guild (all: no guild). */
  dispatch(type: string, data: unknown): void {
    const guildId = (data as { guild_id?: unknown }).guild_id;
    for (const [socket, session] of this.sessions) {
      const [id, count] = session.shard;
      if (typeof guildId === 'string' && shardOfGuild(guildId, count) !== id) continue;
      this.send(socket, session, type, data);
    }
  }

  get connected(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    for (const socket of this.sessions.keys()) socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private send(socket: WebSocket, session: Session, type: string, data: unknown): void {
    session.sequence += 1;
    this.sent.push({ type, shard: session.shard, data });
    socket.send(JSON.stringify({ op: OP.dispatch, t: type, s: session.sequence, d: data }));
  }

  private accept(socket: WebSocket, url: string): void {
    this.connections.push(url);
    socket.send(JSON.stringify({ op: OP.hello, d: { heartbeat_interval: 41_250 } }));
    socket.on('message', (raw) => {
      const packet = JSON.parse(String(raw)) as { op: number; d: unknown };
      if (packet.op === OP.heartbeat) {
        socket.send(JSON.stringify({ op: OP.heartbeatAck }));
      } else if (packet.op === OP.identify) {
        const identify = packet.d as IdentifyPayload;
        this.identifies.push(identify);
        const session: Session = { shard: identify.shard ?? [0, 1], sequence: 0 };
        this.sessions.set(socket, session);
        this.send(socket, session, 'READY', this.world.ready(session.shard));
        for (const guild of this.world.guilds(session.shard)) {
          this.send(socket, session, 'GUILD_CREATE', guild);
        }
      }
    });
    socket.on('close', () => this.sessions.delete(socket));
  }
}
