// The machine's HTTP floor: a bare Fastify route, in its own process like the servers measured.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/hello', async () => ({ hello: 'world' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.stdout.write(`ready ${process.env.PORT}\n`);
