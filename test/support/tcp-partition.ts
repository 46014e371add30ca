/**
 * A TCP relay in front of a server (PostgreSQL) that can cut the path without closing anything:
 * `partition()` stops relaying in both directions, as a firewall dropping packets or a dead
 * switch would (the sockets stay open, nothing arrives); `heal()` relays again, bytes held
 * meanwhile included. New connections made during the partition hang alike.
 */
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpPartition {
  /** host:port of the relay, to use in place of the server's. */
  port: number;
  partition(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpPartition(target: { host: string; port: number }): Promise<TcpPartition> {
  let cut = false;
  const pairs = new Set<[Socket, Socket]>();
  const relay = (from: Socket, to: Socket) => {
    from.on('data', (chunk) => {
      to.write(chunk);
    });
  };
  const server = createServer((client) => {
    const upstream = connect(target);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    if (cut) for (const socket of pair) socket.pause();
    relay(client, upstream);
    relay(upstream, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    partition() {
      cut = true;
      for (const pair of pairs) for (const socket of pair) socket.pause();
    },
    heal() {
      cut = false;
      for (const pair of pairs) for (const socket of pair) socket.resume();
    },
    async close() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
