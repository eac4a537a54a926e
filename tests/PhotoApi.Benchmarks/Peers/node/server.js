// The benchmark's Node peer: the same GET /v1/photos/{id} as PhotoApi, written the way the libraries' own documentation
// shows it. fastify; jose's createRemoteJWKSet + jwtVerify against the issuer's discovery document; pg's Pool with its
// defaults (10 connections, no prepared statements); one process, fastify's default logging (off). No DPoP, no introspection.
// Environment: PORT, ISSUER (the issuer URL, as in the tokens' iss), AUDIENCE, and libpq's PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE.
import Fastify from 'fastify';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import pg from 'pg';

const issuer = process.env.ISSUER;
const audience = process.env.AUDIENCE ?? 'photo-api';
const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
const pool = new pg.Pool();
const app = Fastify();

const sql = `SELECT p.id, p.title, p.description, p.taken_at AS "takenAt", p.created_at AS "createdAt", p.updated_at AS "updatedAt",
                    p.content_type AS "contentType", p.size_bytes AS "sizeBytes", p.sha256
               FROM photos p JOIN users u ON u.id = p.user_id
              WHERE p.id = $1 AND u.issuer = $2 AND u.subject = $3`;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

app.get('/v1/photos/:id', async (request, reply) => {
  const [scheme, token] = (request.headers.authorization ?? '').split(' ');
  if (scheme !== 'Bearer' || !token) {
    return reply.code(401).header('WWW-Authenticate', 'Bearer').send();
  }
  let payload;
  try {
    ({ payload } = await jwtVerify(token, jwks, { issuer, audience }));
  } catch {
    return reply.code(401).header('WWW-Authenticate', 'Bearer error="invalid_token"').send();
  }
  if (!String(payload.scope ?? '').split(' ').includes('photos.read')) {
    return reply.code(403).header('WWW-Authenticate', 'Bearer error="insufficient_scope"').send();
  }
  if (!uuid.test(request.params.id)) {
    return reply.code(404).send();
  }
  const { rows } = await pool.query(sql, [request.params.id, payload.iss, payload.sub]);
  return rows.length === 0 ? reply.code(404).send() : rows[0];
});

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3000) });
console.log(`PEER-READY http://127.0.0.1:${process.env.PORT ?? 3000}`);
