import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** How the receiver answers the next request: a status, after an optional delay, or a redirect. */
export type Answer = { status: number; delayMs?: number; location?: string };

/**
 * A real HTTP receiver on 127.0.0.1 for webhook tests. `answers` is consumed in order; when empty,
 * it answers 200. It can be closed and reopened on the same port (a receiver that is down).
 */
export class Receiver {
  readonly received: Received[] = [];
  answers: Answer[] = [];
  port = 0;
  private server: http.Server | undefined;

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.received.push({
          path: req.url ?? '',
          headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const answer = this.answers.shift() ?? { status: 200 };
        setTimeout(() => {
          if (res.destroyed) return;
          res.writeHead(answer.status, answer.location ? { location: answer.location } : {});
          res.end();
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server!.close(resolve));
    this.server = undefined;
  }
}
