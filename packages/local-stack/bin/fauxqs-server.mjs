// Runs fauxqs (S3 + SQS stand-in, an ES module) as its own process, on 127.0.0.1 and the given port.
import { startFauxqs } from 'fauxqs';

const port = Number(process.env.FAUXQS_PORT ?? 4566);
const server = await startFauxqs({ port, host: process.env.FAUXQS_HOST ?? 'localhost', logger: false });
process.stdout.write(`fauxqs listening on ${server.address}\n`);
const stop = () => server.stop().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
