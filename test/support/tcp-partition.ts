/**
 * A TCP relay in front of a server (PostgreSQL) that can cut the path without closing anything:
 * `partition()` stops relaying in both directions, as a firewall dropping packets or a dead
 * switch would (the sockets stay open, nothing arrives); `heal()` relays again, bytes held
 * meanwhile included. New connections made during the partition hang alike.
 */
import { connect, createServer, type Socket, type AddressInfo } from 'node:net';

export interface TcpPartition {
  /** host:port of the relay, to use in place of the server's. */
  port: number;
  partition(): void;
  /**
   * Relays again. With `oldAfterMs`, the connections open during the cut only that much later
   * than new ones: what their client sent meanwhile reaches the server after what new
   * connections send, as a late TCP retransmission would.
   */
  heal(options?: { oldAfterMs?: number }): void;
  close(): Promise<void>;
}

export async function startTcpPartition(target: { host: string; port: number }): Promise<TcpPartition> {
  let cut = false;
  const pairs = new Set<[Socket, Socket]>();
  // What one side sent before it closed still reaches the other (the end is passed on after it),
  // as a server reads what a client wrote before its FIN.
  const relay = (from: Socket, to: Socket) => {
    from.on('data', (chunk) => to.write(chunk));
    from.on('end', () => to.end());
  };
  const server = createServer((client) => {
    const upstream = connect(target);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    if (cut) for (const socket of pair) socket.pause();
    relay(client, upstream);
    relay(upstream, client);
    const fail = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', fail);
    upstream.on('error', fail);
    const closed = () => {
      if (client.closed && upstream.closed) pairs.delete(pair);
    };
    client.on('close', closed);
    upstream.on('close', closed);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    partition() {
      cut = true;
      for (const pair of pairs) for (const socket of pair) socket.pause();
    },
    heal(options = {}) {
      cut = false;
      const cutOff = [...pairs];
      const resume = () => {
        for (const pair of cutOff) for (const socket of pair) socket.resume();
      };
      if (options.oldAfterMs) setTimeout(resume, options.oldAfterMs);
      else resume();
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
