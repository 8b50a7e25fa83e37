import type { Socket } from 'node:net';
import type { Server } from 'node:tls';

// A TLS server sets up the TLS state of a connection (OpenSSL's, tens of KB, and the CPU to make it) as soon as the
// TCP connection is accepted. Thousands of connections that never send a ClientHello then cost hundreds of MB and
// hold the event loop while they are set up and again when the handshake timeout closes them all. Here a new
// connection stays a plain socket until its first bytes arrive; the TLS server gets it then, with those bytes
// (Node's TLS socket reads what the plain socket has buffered). One that sends nothing is closed after the timeout.

/** Hands each connection of `server` to its TLS setup only once the client has sent something. */
export function awaitClientHello(server: Server, timeoutMs: number): void {
  const setUp = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const drop = () => socket.destroy();
    const start = () => {
      socket.removeListener('timeout', drop);
      socket.removeListener('error', drop);
      socket.setTimeout(0);
      for (const listener of setUp) listener.call(server, socket);
    };
    socket.setTimeout(timeoutMs);
    socket.once('timeout', drop);
    // A reset before the hello is not an error of the server's.
    socket.once('error', drop);
    socket.once('readable', start);
  });
}
