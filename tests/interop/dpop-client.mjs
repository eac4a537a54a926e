// An unmodified RFC 9449 client library (panva's oauth4webapi) against the dev issuer and PhotoApi:
//   node tests/interop/dpop-client.mjs <issuer> <api> <client_id> <client_secret> <scope> <path>
// Prints one JSON object with what happened; tests/PhotoApi.Tests/Auth/DpopInteropTests.cs asserts on it.
import * as oauth from 'oauth4webapi';
import { createHash } from 'node:crypto';

const [issuerUrl, apiUrl, clientId, clientSecret, scope, path] = process.argv.slice(2);
const insecure = { [oauth.allowInsecureRequests]: true }; // plain HTTP on loopback, test hosts only

// Retries once when the server answered use_dpop_nonce: the DPoP handle has kept the nonce it sent (RFC 9449 §8, §9).
async function withNonceRetry(attempt) {
  try {
    return { result: await attempt(), retried: false };
  } catch (err) {
    if (!oauth.isDPoPNonceError(err)) throw err;
    return { result: await attempt(), retried: true };
  }
}

const issuer = new URL(issuerUrl);
const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
const client = { client_id: clientId };
const keyPair = await oauth.generateKeyPair('ES256');
const DPoP = oauth.DPoP(client, keyPair);

const token = await withNonceRetry(async () => oauth.processClientCredentialsResponse(as, client,
  await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(clientSecret), { scope }, { DPoP, ...insecure })));

const call = () => withNonceRetry(async () => {
  const response = await oauth.protectedResourceRequest(token.result.access_token, 'GET', new URL(path, apiUrl), undefined, undefined, { DPoP, ...insecure });
  return response.status;
});
const first = await call();
const second = await call();

// RFC 7638 thumbprint of the library's public key, to compare with the token's cnf.jkt.
const jwk = await crypto.subtle.exportKey('jwk', keyPair.publicKey);
const thumbprint = createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
const payload = JSON.parse(Buffer.from(token.result.access_token.split('.')[1], 'base64url').toString());

console.log(JSON.stringify({
  dpopAlgorithms: as.dpop_signing_alg_values_supported ?? null,
  tokenType: token.result.token_type,
  tokenNonceRetried: token.retried,
  jkt: payload.cnf?.jkt ?? null,
  thumbprint,
  firstStatus: first.result,
  firstNonceRetried: first.retried,
  secondStatus: second.result,
}));
